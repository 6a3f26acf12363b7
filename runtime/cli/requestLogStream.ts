import type { KeyPair } from '../../log/index.ts';
import type { JobEvent, ProgressEvent } from '../../schemas/index.ts';
import { followStream, getTx } from '../client/index.ts';
import { logLineText, readWorkerLog, workerLogText, type WorkerLog } from './runLogView.ts';

export interface FollowRequestLogsParameters {
  readonly nodeUrl: string;
  readonly request: string;
  /** Only this worker's progress and log. */
  readonly worker?: string;
  /** Signs the reads of the logs (the request's client or evaluator). */
  readonly key?: KeyPair;
  /** NDJSON: `{ type: "progress", worker, event }`, `{ type: "log", … }`, `{ type: "end", state, reason? }`. */
  readonly json: boolean;
}

/**
 * `ain logs REQUEST --follow`: follows the node's `requests/<id>` stream from the request's block —
 * its workers' progress and stderr lines as they run, and each worker's log once its submitResult
 * names it — until the request settles or is refunded (or Ctrl-C).
 */
export async function followRequestLogs({ nodeUrl, request, worker, key, json }: FollowRequestLogsParameters): Promise<void> {
  const { height } = await getTx({ url: nodeUrl }, { hash: request });
  const print = (record: Record<string, unknown>, text: string | string[]) =>
    process.stdout.write(json ? JSON.stringify(record) + '\n' : (Array.isArray(text) ? text : [text]).join('\n') + '\n');
  const aborter = new AbortController();
  const stop = () => aborter.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    for await (const { event, data } of followStream(nodeUrl, `requests/${request}`, { fromHeight: height, signal: aborter.signal })) {
      if (event === 'progress') {
        const p = data as ProgressEvent;
        if (worker !== undefined && p.worker !== worker) continue;
        const text = logLineText(p.event);
        if (text !== undefined) print({ type: 'progress', worker: p.worker, event: p.event }, `worker ${p.worker}: ${text}`);
        continue;
      }
      for (const e of (data as { events: JobEvent[] }).events) {
        if (e.type === 'submitted' && (worker === undefined || e.node === worker)) {
          const log: WorkerLog = {
            worker: e.node,
            status: e.failure === undefined ? 'submitted a result' : `failed ${e.failure}`,
            ref: e.log ?? null,
            lines: e.log === undefined ? [] : await readWorkerLog(nodeUrl, e.log, key),
          };
          print({ type: 'log', ...log }, workerLogText(log));
        } else if (e.type === 'settled' || e.type === 'refunded') {
          const reason = e.type === 'refunded' ? e.reason : undefined;
          print(
            { type: 'end', state: e.type, ...(reason === undefined ? {} : { reason }) },
            `request ${e.type}${reason === undefined ? '' : ` (${reason})`} in block ${e.height}`,
          );
          return;
        }
      }
    }
  } finally {
    aborter.abort();
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}
