import { parseArgs } from 'node:util';
import { Address, AinError, parseOrThrow } from '../../schemas/index.ts';
import { getJobOrRequest } from '../client/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { defaultNodeUrl } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson } from './output.ts';
import { followRequestLogs } from './requestLogStream.ts';
import { readWorkerLog, workerLogText, workerStatus, type WorkerLog } from './runLogView.ts';
import { positionalsOf } from './txVerb.ts';

/**
 * `ain logs REQUEST [--worker ADDR] [--follow] [--key FILE] [--node URL]`: the logs the request's
 * workers kept in Big Storage (their stderr tail and progress events, named by their
 * submitResult), read with `--key` (the request's client or evaluator may read them; anyone else
 * is ACCESS_DENIED). `--follow` prints the workers' progress while the request runs and each log
 * as it is submitted, until the request ends.
 */
export async function logsCommand(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { node: { type: 'string', default: defaultNodeUrl }, worker: { type: 'string' }, key: { type: 'string' }, follow: { type: 'boolean' } },
  });
  const [id] = positionalsOf('logs', 'a request id', positionals, 1);
  const key = values.key === undefined ? undefined : await readKeyFile(values.key);
  const only = values.worker === undefined ? undefined : parseOrThrow(Address, values.worker, '--worker');
  if (values.follow === true) {
    await followRequestLogs({ nodeUrl: values.node, request: id!, worker: only, key, json });
    return;
  }
  const view = await getJobOrRequest({ url: values.node }, { id: id! });
  if (view.kind !== 'request') throw new AinError('UNKNOWN_JOB', `${id} is a job schema, not a job request: logs belong to the requests' workers.`);
  const workers = only === undefined ? Object.keys(view.workers) : [only];
  if (only !== undefined && view.workers[only] === undefined) {
    throw new AinError('NOT_FOUND', `${only} is not a worker on request ${view.id}; its workers: ${Object.keys(view.workers).join(', ') || 'none yet'}.`);
  }
  const logs: WorkerLog[] = [];
  for (const worker of workers) {
    const record = view.workers[worker]!;
    const ref = record.log ?? null;
    logs.push({ worker, status: workerStatus(record), ref, lines: ref === null ? [] : await readWorkerLog(values.node, ref, key) });
  }
  if (json) printJson({ request: view.id, state: view.state, logs });
  else if (logs.length === 0) process.stdout.write(`Request ${view.id} has no workers yet (it is ${view.state}).\n`);
  else for (const log of logs) process.stdout.write(workerLogText(log).join('\n') + '\n');
}
