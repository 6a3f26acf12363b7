import type { KeyPair } from '../../log/index.ts';
import type { RunLogLine } from '../agents/index.ts';
import { getSmallBlob } from '../client/index.ts';

/** A request's workers as `GET /v1/jobs/<id>` serves them (the fields read here). */
export interface LoggedRequest {
  readonly kind: 'job' | 'request';
  readonly id: string;
  readonly state: string;
  readonly workers: Readonly<Record<string, { readonly submittedAt?: number; readonly failure?: { code: string; message: string }; readonly log?: string }>>;
}

/** One worker's log as `ain logs` prints it. */
export interface WorkerLog {
  readonly worker: string;
  /** `failed CODE`, `submitted a result`, or `running` (no submission yet). */
  readonly status: string;
  readonly ref: string | null;
  readonly lines: readonly RunLogLine[];
}

const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

/** One line of a run's log for a person. */
export function logLineText(line: RunLogLine): string | undefined {
  switch (line.type) {
    case 'run':
      return `run of request ${line.request} by worker ${line.worker} (${line.runtime} runtime)`;
    case 'started':
      return undefined;
    case 'log':
      return `stderr | ${line.line}`;
    case 'progress':
      return `progress ${percent(line.fraction)}${line.message === undefined ? '' : ` ${line.message}`}`;
    case 'end': {
      const how = line.signal !== null ? `killed by ${line.signal}` : `exit ${line.exitCode}`;
      const dropped = line.dropped > 0 ? `; ${line.dropped} earlier events not kept` : '';
      return line.ok
        ? `ended ok (${how}, ${Math.round(line.usage.wallMs)} ms${dropped})`
        : `ended ${line.code}: ${line.message} (${how}, ${Math.round(line.usage.wallMs)} ms${dropped})`;
    }
  }
}

/** A worker's status on the request, from the ledger's record. */
export function workerStatus(worker: LoggedRequest['workers'][string]): string {
  if (worker.failure !== undefined) return `failed ${worker.failure.code}`;
  return worker.submittedAt === undefined ? 'running' : 'submitted a result';
}

/** Reads and parses the log a worker's submitResult named (signed with `key` when given). */
export async function readWorkerLog(nodeUrl: string, ref: string, key: KeyPair | undefined): Promise<RunLogLine[]> {
  const text = new TextDecoder().decode(await getSmallBlob({ nodeUrl, ref, key }));
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l): RunLogLine => JSON.parse(l) as RunLogLine);
}

/** A worker's log for a person: a header, then each line; the stderr tail when no stderr line was kept. */
export function workerLogText(log: WorkerLog): string[] {
  const out = [`== worker ${log.worker}: ${log.status}${log.ref === null ? ', no log kept' : `, log ${log.ref}`}`];
  for (const line of log.lines) {
    const text = logLineText(line);
    if (text !== undefined) out.push(text);
  }
  const end = log.lines.find((l) => l.type === 'end');
  if (end !== undefined && end.type === 'end' && end.stderrTail !== '' && !log.lines.some((l) => l.type === 'log')) {
    out.push(
      'stderr tail:',
      ...end.stderrTail
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  return out;
}
