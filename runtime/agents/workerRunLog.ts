import type { Observable } from 'rxjs';
import { errorText, type WorkerRun } from '../../actors/index.ts';
import type { KeyPair } from '../../log/index.ts';
import type { RunEvent, RunResult } from '../../schemas/index.ts';
import { putSmallBlob } from '../client/index.ts';

/** Events of a run a log keeps at most: the last ones (stderr lines and progress), so a chatty job's log stays small. */
export const runLogEventsMax = 500;
/** Characters of one stderr line a log keeps. */
const lineCharsMax = 2000;

/** The lines of a run's log: NDJSON, one object a line (docs/agents.md, "Logs"). */
export type RunLogLine =
  | { readonly type: 'run'; readonly request: string; readonly worker: string; readonly runtime: string }
  | RunEvent
  | ({ readonly type: 'end'; readonly dropped: number } & Pick<RunResult, 'ok' | 'code' | 'message' | 'exitCode' | 'signal' | 'usage' | 'stderrTail'>);

/**
 * Keeps the last `runLogEventsMax` events a run streams (subscribe right after `run()` returns:
 * its events are hot), and counts those it let go.
 */
export function keepRunEvents(events$: Observable<RunEvent>): { readonly events: () => readonly RunEvent[]; readonly dropped: () => number } {
  const kept: RunEvent[] = [];
  let dropped = 0;
  events$.subscribe({
    next: (event) => {
      kept.push(event.type === 'log' && event.line.length > lineCharsMax ? { ...event, line: `${event.line.slice(0, lineCharsMax)}…` } : event);
      if (kept.length > runLogEventsMax) {
        kept.shift();
        dropped++;
      }
    },
    error: () => undefined,
  });
  return { events: () => kept, dropped: () => dropped };
}

/**
 * A worker's run as the log it keeps in Big Storage: who ran what, its events (stderr lines and
 * progress) and how it ended, with its stderr tail.
 * @example runLogText({ request, worker, runtime: 'process', events: kept.events(), dropped: kept.dropped(), result })
 */
export function runLogText({
  request,
  worker,
  runtime,
  events,
  dropped,
  result,
}: {
  readonly request: string;
  readonly worker: string;
  readonly runtime: string;
  readonly events: readonly RunEvent[];
  readonly dropped: number;
  readonly result: Pick<RunResult, 'ok' | 'code' | 'message' | 'exitCode' | 'signal' | 'usage' | 'stderrTail'>;
}): string {
  const { ok, code, message, exitCode, signal, usage, stderrTail } = result;
  const end: RunLogLine = {
    type: 'end',
    ok,
    ...(code === undefined ? {} : { code }),
    ...(message === undefined ? {} : { message }),
    exitCode,
    signal,
    usage,
    stderrTail,
    dropped,
  };
  const lines: RunLogLine[] = [{ type: 'run', request, worker, runtime }, ...events, end];
  return lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
}

/**
 * Keeps a run's log in the worker's node's Big Storage for the request's `readers` (the worker
 * owns it and reads it anyway), with the agent's TTL: the blob's ref to name in `submitResult`,
 * or why it could not be kept (no room on the node, the node unreachable): the run's result is
 * submitted either way.
 * @example const log = await keepRunLog({ nodeUrl, key, readers, text, ttlMs })
 */
export async function keepRunLog({
  nodeUrl,
  key,
  readers,
  text,
  ttlMs,
}: {
  readonly nodeUrl: string;
  readonly key: KeyPair;
  readonly readers: readonly string[];
  readonly text: string;
  readonly ttlMs?: number;
}): Promise<Pick<WorkerRun, 'log' | 'logError'>> {
  try {
    const others = readers.filter((r) => r !== key.address);
    return { log: await putSmallBlob({ nodeUrl, key, bytes: Buffer.from(text, 'utf8'), readers: others, ...(ttlMs === undefined ? {} : { ttlMs }) }) };
  } catch (error) {
    return { logError: errorText(error) };
  }
}
