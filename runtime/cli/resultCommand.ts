import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Address, AinError, BlobRef, parseOrThrow } from '../../schemas/index.ts';
import { getJobOrRequest } from '../client/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { defaultNodeUrl } from './argValues.ts';
import { fetchBlob } from './blobCommand.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError } from './output.ts';
import type { RequestView } from './requestNodes.ts';
import { positionalsOf } from './txVerb.ts';

/** Whose result to fetch: `--worker`, else the best ranked, else the only one. */
function workerOf(view: RequestView, wanted: string | undefined): string {
  const submitted = Object.keys(view.results);
  if (wanted !== undefined) {
    const worker = parseOrThrow(Address, wanted, '--worker');
    if (!submitted.includes(worker)) {
      throw new AinError(
        'NOT_FOUND',
        `Worker ${worker} has no result on request ${view.id}; ${submitted.length === 0 ? 'none has' : `${submitted.join(', ')} have`}.`,
      );
    }
    return worker;
  }
  const best = view.ranking.find((w) => submitted.includes(w));
  if (best !== undefined) return best;
  if (submitted.length === 1) return submitted[0]!;
  if (submitted.length === 0) {
    throw new AinError(
      'NOT_FOUND',
      `Request ${view.id} has no result yet (it is ${view.state}); follow it with "ain requests show ${view.id}" or "ain watch jobs/${view.id}".`,
    );
  }
  throw new UsageError(`Request ${view.id} has ${submitted.length} results and no ranking yet; pick one with --worker (${submitted.join(', ')}).`);
}

/**
 * `ain result REQUEST [--out FILE] [--worker ADDR] [--key FILE] [--node URL]`: a worker's result
 * (the best ranked unless `--worker` says): a result in Big Storage is fetched with the key
 * (when its blob is not public) and checked against its hash before FILE is written; a result
 * inline in the ledger is written as its JSON.
 */
export async function resultCommand(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { node: { type: 'string', default: defaultNodeUrl }, out: { type: 'string' }, worker: { type: 'string' }, key: { type: 'string' } },
  });
  const [id] = positionalsOf('result', 'a request id', positionals, 1);
  const view = await getJobOrRequest({ url: values.node }, { id: id! });
  if (view.kind !== 'request')
    throw new AinError('UNKNOWN_JOB', `${id} is a job schema, not a job request: results belong to requests (ain requests ls --job ${id}).`);
  const worker = workerOf(view, values.worker);
  const result = view.results[worker];
  const rank = view.ranking.indexOf(worker) + 1;
  const whose = `worker ${worker}${rank > 0 ? ` (ranked ${rank} of ${view.ranking.length})` : ''}`;
  const blob = typeof result === 'string' && BlobRef.safeParse(result).success ? result : undefined;
  if (blob !== undefined) {
    const hash = blob.slice('blob://sha256:'.length);
    const key = values.key === undefined ? undefined : await readKeyFile(values.key);
    const { sizeBytes } = await fetchBlob({ nodeUrl: values.node, hash, key, out: values.out, quiet: json || values.out === undefined });
    if (json) printJson({ request: view.id, worker, rank: rank > 0 ? rank : null, ref: blob, hash, sizeBytes, out: values.out ?? null, inline: false });
    else if (values.out !== undefined) process.stdout.write(`${values.out}: the result of ${whose}, ${blob}: ${sizeBytes} bytes, sha256 checked\n`);
    return;
  }
  const text = JSON.stringify(result) + '\n';
  if (values.out === undefined) {
    if (json) printJson({ request: view.id, worker, rank: rank > 0 ? rank : null, ref: null, result, inline: true });
    else process.stdout.write(text);
    return;
  }
  await writeFile(values.out, text);
  const sizeBytes = Buffer.byteLength(text);
  if (json) printJson({ request: view.id, worker, rank: rank > 0 ? rank : null, ref: null, sizeBytes, out: values.out, inline: true });
  else process.stdout.write(`${values.out}: the result of ${whose}, inline in the ledger (no blob to check): ${sizeBytes} bytes of JSON\n`);
}
