import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { KeyPair } from '../../log/index.ts';
import type { Op } from '../../schemas/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { defaultNodeUrl, wholeNumber } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError } from './output.ts';
import { signAndSubmit, type TxLanded } from '../client/index.ts';

/** The flags of every verb that signs a tx: the key, the node, and how long to wait for the block. */
export const txVerbOptions = {
  key: { type: 'string' },
  node: { type: 'string', default: defaultNodeUrl },
  'wait-ms': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** How long a verb waits for its tx's block unless `--wait-ms` says otherwise. */
export const txWaitMsDefault = 30_000;

export interface TxVerb {
  readonly key: KeyPair;
  readonly nodeUrl: string;
  readonly waitMs: number;
  readonly json: boolean;
}

/** The key, node and wait of a verb's parsed flags; a missing `--key` is a usage mistake. */
export async function txVerbOf(
  verb: string,
  values: { key?: string; node?: string; 'wait-ms'?: string },
  { json }: CommandContext,
  waitMsDefault = txWaitMsDefault,
): Promise<TxVerb> {
  if (values.key === undefined) throw new UsageError(`ain ${verb} needs --key FILE, the key that signs the tx (make one with "ain keys new --out FILE").`);
  const waitMs = wholeNumber(values['wait-ms'], 'wait-ms') ?? waitMsDefault;
  return { key: await readKeyFile(values.key), nodeUrl: values.node ?? defaultNodeUrl, waitMs, json };
}

/** The positionals a verb needs, in order; a missing one is a usage mistake naming the verb's shape. */
export function positionalsOf(verb: string, shape: string, positionals: readonly string[], count: number): string[] {
  if (positionals.length < count) throw new UsageError(`ain ${verb} needs ${shape}.`);
  if (positionals.length > count) throw new UsageError(`ain ${verb} takes ${shape}, not "${positionals.slice(count).join(' ')}".`);
  return positionals.slice(0, count);
}

/** An op without the flags that were not given (an absent field, not an `undefined` one, is signed). */
export function withoutUndefined<T extends Record<string, unknown>>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

/**
 * Signs and submits one op, waits for its block, and prints `line` (or, with `--json`, where the
 * tx landed, with `id` when the tx's hash names what it made: a job or a request). A refused
 * outcome is thrown: `error CODE: sentence`, exit 1.
 */
export async function runTxVerb(verb: TxVerb, op: Op, line: (landed: TxLanded) => string, { hashIsId = false } = {}): Promise<TxLanded> {
  const landed = await signAndSubmit({ nodeUrl: verb.nodeUrl, key: verb.key, op, waitMs: verb.waitMs });
  if (verb.json) printJson(hashIsId ? { id: landed.hash, ...landed } : landed);
  else process.stdout.write(line(landed) + '\n');
  return landed;
}

/** parseArgs with the tx flags and `extra`, positionals allowed. */
export function parseTxVerbArgs<E extends NonNullable<ParseArgsConfig['options']>>(args: string[], extra: E) {
  return parseArgs({ args, allowPositionals: true, options: { ...txVerbOptions, ...extra } });
}
