import { sign, type KeyObject } from 'node:crypto';
import { checkTx, generateKeyPair, privateKeyObject, signedBytesOf, withSig, type KeyPair } from '../log/index.ts';
import type { Tx, UnsignedTx } from '../schemas/index.ts';

/** Signed bytes per tx: about the size of the raw verify's messages, so the two compare. */
export const txSignedBytesTarget = 500;

/** A key pair with its private KeyObject built once (signTx builds one per call, which costs more than the sign; see docs/benchmarks.md). */
export interface SigningKey {
  readonly pair: KeyPair;
  readonly privateKey: KeyObject;
}

export function makeKeys(count: number): SigningKey[] {
  return Array.from({ length: count }, () => {
    const pair = generateKeyPair();
    return { pair, privateKey: privateKeyObject(pair.privateKey) };
  });
}

/** The same envelope `signTx` makes, signed with a prebuilt KeyObject. */
function signWith(key: SigningKey, unsigned: UnsignedTx): Tx {
  return withSig(unsigned, sign(null, signedBytesOf(unsigned), key.privateKey).toString('hex'));
}

let nextNonce = 0;

/**
 * `count` distinct signed `set_value` txs for chain `ain-local` and shard `/`, senders taken
 * round-robin from `keys`, padded so their signed bytes are about `txSignedBytesTarget`.
 */
export function makeTxs(count: number, keys: readonly SigningKey[]): Tx[] {
  if (keys.length === 0) throw new Error('makeTxs needs at least one key');
  // Nonces from the clock and past the last call's, so no two txs of a process share a hash.
  const time = Date.now();
  const firstNonce = Math.max(time, nextNonce);
  nextNonce = firstNonce + count;
  const unsigned = (key: SigningKey, i: number, value: string): UnsignedTx => ({
    v: 1,
    chain: 'ain-local',
    shard: '/',
    from: key.pair.address,
    nonce: firstNonce + i,
    time,
    op: { type: 'set_value', path: `/bench/${i % 1000}`, value },
    pub: key.pair.publicKey,
  });
  const padding = 'x'.repeat(Math.max(0, txSignedBytesTarget - signedBytesOf(unsigned(keys[0]!, 0, '')).length));
  const txs: Tx[] = [];
  for (let i = 0; i < count; i++) txs.push(signWith(keys[i % keys.length]!, unsigned(keys[i % keys.length]!, i, padding)));
  if (txs.length > 0) checkTx(JSON.parse(JSON.stringify(txs[0]))); // the envelope is what the node expects
  return txs;
}

/** The txs as the API hands them to `checkTx`: fresh objects from JSON text. */
export function asReceived(txs: readonly Tx[]): unknown[] {
  return txs.map((tx) => JSON.parse(JSON.stringify(tx)) as unknown);
}
