import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkTx, signTx } from '../../log/index.ts';
import { AinError, Op, parseOrThrow } from '../../schemas/index.ts';
import { nextNonce } from '../client/index.ts';
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

/** `ain tx submit [--node URL] [--file FILE]`: one envelope or an array of them, from a file or stdin. */
async function submit(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { node: { type: 'string', default: defaultNodeUrl }, file: { type: 'string' } } });
  const body = parseJson(values.file !== undefined ? await readFile(values.file, 'utf8') : await readStdin(), 'the input');
  const path = Array.isArray(body) ? '/v1/txs' : '/v1/tx';
  let response: Response;
  try {
    response = await fetch(new URL(path, values.node), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (cause) {
    throw new AinError('NODE_UNREACHABLE', `No node answers at ${values.node} (${(cause as Error).message}); start one with "ain node --data DIR".`, { cause });
  }
  let reply: { code?: string; message?: string };
  try {
    reply = (await response.json()) as { code?: string; message?: string };
  } catch (cause) {
    throw new AinError('NODE_UNREACHABLE', `${values.node} answered ${response.status} with something that is not JSON; is it an ain node?`, { cause });
  }
  if (!response.ok && reply.code !== undefined) {
    process.stderr.write(`error ${reply.code}: ${reply.message}\n`);
    process.exitCode = 1;
    return;
  }
  printJson(reply);
}

export async function txCommand(args: string[]): Promise<void> {
  const [verb, ...rest] = args;
  if (verb === 'sign') return sign(rest);
  if (verb === 'submit') return submit(rest);
  throw new UsageError(`"ain tx ${verb ?? ''}" is not a command; use "ain tx sign" or "ain tx submit".`);
}
