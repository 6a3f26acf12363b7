import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkTx, signTx } from '../../log/index.ts';
import { AinError, Hash, Op, parseOrThrow } from '../../schemas/index.ts';
import { nextNonce, noAnswerError, nodeAnswerTimeoutMs, refusalOf, verifyTx, waitForTx, type TxAccepted, type TxsAnswer } from '../client/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { defaultNodeUrl, parseJson, wholeNumber } from './argValues.ts';
import { printJson, UsageError } from './output.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `ain tx sign --key FILE [--op JSON | --op-file FILE | stdin] [--nonce N] [--time MS] [--chain C] [--shard S]` */
async function sign(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      key: { type: 'string' },
      op: { type: 'string' },
      'op-file': { type: 'string' },
      nonce: { type: 'string' },
      time: { type: 'string' },
      chain: { type: 'string', default: 'ain-local' },
      shard: { type: 'string', default: '/' },
    },
  });
  if (values.key === undefined) throw new UsageError('ain tx sign needs --key FILE (make one with "ain keys new --out FILE").');
  const key = await readKeyFile(values.key);
  const text = values.op ?? (values['op-file'] !== undefined ? await readFile(values['op-file'], 'utf8') : await readStdin());
  const op = parseOrThrow(Op, parseJson(text, 'the op'), 'op');
  const time = wholeNumber(values.time, 'time') ?? Date.now();
  // Offline there is no ledger to ask: the rule every signer follows comes to the clock in ms.
  const nonce = wholeNumber(values.nonce, 'nonce') ?? nextNonce({ ledgerNonce: 0, timeMs: time, address: key.address });
  const tx = signTx({ key, op, nonce, time, chain: values.chain, shard: values.shard });
  checkTx(tx, { chain: values.chain, shard: values.shard });
  printJson(tx);
}

/** How long `ain tx submit --wait` waits for the blocks unless `--wait-ms` says otherwise. */
const submitWaitMsDefault = 30_000;

type SubmitAnswer = TxAccepted | TxsAnswer | { code?: string; message?: string };

/**
 * `--wait`: each tx the node took, once in a block, as `GET /v1/tx/<hash>` tells it, as the job
 * verbs wait for theirs. One tx: where it landed, or its refusal thrown (`error CODE: sentence`,
 * exit 1). A batch: every result, landed or refused at the boundary, and exit 1 when any was refused.
 */
async function waitForOutcomes(nodeUrl: string, reply: SubmitAnswer, waitMs: number): Promise<void> {
  const deadlineMs = Date.now() + waitMs;
  // Where a tx landed; its inclusion proof and block header are `ain tx verify`'s to check.
  const whereLanded = async (hash: string) => {
    const { height, index, offset, outcome } = await waitForTx(nodeUrl, hash, deadlineMs);
    return { hash, height, index, offset, outcome };
  };
  if ('hash' in reply) {
    const landed = await whereLanded(reply.hash);
    if (landed.outcome.code !== 'ok') throw refusalOf(landed);
    printJson(landed);
    return;
  }
  const results = await Promise.all((reply as TxsAnswer).results.map((result) => ('hash' in result ? whereLanded(result.hash) : result)));
  const refusals = results.filter((r) => ('outcome' in r ? r.outcome.code !== 'ok' : true));
  for (const r of refusals) {
    const error = 'outcome' in r ? refusalOf(r) : r;
    process.stderr.write(`error ${error.code}: ${error.message}${'outcome' in r ? ` (tx ${r.hash}, block ${r.height})` : ''}\n`);
  }
  printJson({ landed: results.length - refusals.length, refused: refusals.length, results });
  if (refusals.length > 0) process.exitCode = 1;
}

/**
 * `ain tx submit [--node URL] [--file FILE] [--wait [--wait-ms N]]`: one envelope or an array of
 * them, from a file or stdin; with `--wait`, what each came to once in a block.
 */
async function submit(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { node: { type: 'string', default: defaultNodeUrl }, file: { type: 'string' }, wait: { type: 'boolean' }, 'wait-ms': { type: 'string' } },
  });
  const waitMs = wholeNumber(values['wait-ms'], 'wait-ms');
  if (waitMs !== undefined && values.wait !== true) throw new UsageError('--wait-ms bounds --wait: give both, or neither.');
  const body = parseJson(values.file !== undefined ? await readFile(values.file, 'utf8') : await readStdin(), 'the input');
  const path = Array.isArray(body) ? '/v1/txs' : '/v1/tx';
  let response: Response;
  const signal = AbortSignal.timeout(nodeAnswerTimeoutMs);
  try {
    response = await fetch(new URL(path, values.node), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  } catch (cause) {
    if (signal.aborted) throw noAnswerError(values.node, `POST ${path}`, nodeAnswerTimeoutMs);
    throw new AinError('NODE_UNREACHABLE', `No node answers at ${values.node} (${(cause as Error).message}); start one with "ain node --data DIR".`, { cause });
  }
  let reply: SubmitAnswer;
  try {
    reply = (await response.json()) as SubmitAnswer;
  } catch (cause) {
    if (signal.aborted) throw noAnswerError(values.node, `POST ${path}`, nodeAnswerTimeoutMs);
    throw new AinError('NODE_UNREACHABLE', `${values.node} answered ${response.status} with something that is not JSON; is it an ain node?`, { cause });
  }
  if (!response.ok && 'code' in reply && reply.code !== undefined) {
    process.stderr.write(`error ${reply.code}: ${reply.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (values.wait === true) return waitForOutcomes(values.node, reply, waitMs ?? submitWaitMsDefault);
  printJson(reply);
}

/**
 * `ain tx verify HASH [--node URL] [--wait-ms N]`: fetches the tx with its inclusion proof and its
 * block's final header, and checks the proof here; PROOF_INVALID (exit 1) when it does not check.
 */
async function verify(args: string[], json: boolean): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { node: { type: 'string', default: defaultNodeUrl }, 'wait-ms': { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('ain tx verify needs one tx hash: ain tx verify HASH [--node URL].');
  const hash = parseOrThrow(Hash, positionals[0], 'tx hash');
  const verified = await verifyTx(values.node, hash, { waitMs: wholeNumber(values['wait-ms'], 'wait-ms') });
  if (json) return printJson({ verified: true, ...verified });
  const { height, index, size, outcome, blockHash, finalized } = verified;
  process.stdout.write(
    `verified: tx ${hash} is record ${index + 1} of ${size} in block ${height} (${blockHash.slice(0, 16)}…), which is final (final height ${finalized});\n` +
      `its outcome ${outcome.code} is the one the block's header commits to (txRoot and outcomeRoot checked here, RFC 6962).\n`,
  );
}

export async function txCommand(args: string[], { json }: { json: boolean } = { json: false }): Promise<void> {
  const [verb, ...rest] = args;
  if (verb === 'sign') return sign(rest);
  if (verb === 'submit') return submit(rest);
  if (verb === 'verify') return verify(rest, json);
  throw new UsageError(`"ain tx ${verb ?? ''}" is not a command; use "ain tx sign", "ain tx submit" or "ain tx verify".`);
}
