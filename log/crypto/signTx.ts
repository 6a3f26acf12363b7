import { sign } from 'node:crypto';
import type { Op, Tx, UnsignedTx } from '../../schemas/index.ts';
import { checkJsonValueKeys } from '../json/index.ts';
import { canonicalBytes, canonicalJson } from './canonicalJson.ts';
import { sha256Hex } from './hash.ts';
import { signingKeyObject, type KeyPair } from './keys.ts';

/**
 * The bytes a tx's signature covers: UTF-8 of the canonical JSON of the tx without `sig`. Votes
 * and proposals add their chain's genesis hash (consensusSignedBytesOf); their strict schemas
 * share no shape with a tx (a tx has `op` and `nonce`, a vote `kind`, a proposal `block`), so no
 * signature means two kinds of message.
 */
export function signedBytesOf(message: UnsignedTx | Tx): Buffer {
  const { sig: _sig, ...unsigned } = message as Tx;
  return canonicalBytes(unsigned);
}

/** The tx hash: lowercase hex SHA-256 of the signed bytes. */
export function txHashOf(tx: UnsignedTx | Tx): string {
  return sha256Hex(signedBytesOf(tx));
}

export interface SignTxParameters {
  readonly key: KeyPair;
  readonly op: Op;
  readonly nonce: number;
  /** The sender's claim in ms; only block time counts in the ledger. */
  readonly time: number;
  readonly chain?: string;
  readonly shard?: string;
}

/**
 * Builds and signs an envelope exactly as DESIGN.md's wire format says. Refuses (BAD_SCHEMA, as
 * every node would) an op with a key named `__proto__`, whose signed bytes would mean one thing
 * to JSON.parse and another to the ledger's schema.
 * @example signTx({ key, op: { type: 'send', to, amount: '10' }, nonce: 1, time: Date.now() })
 */
export function signTx({ key, op, nonce, time, chain = 'ain-local', shard = '/' }: SignTxParameters): Tx {
  const unsigned: UnsignedTx = { v: 1, chain, shard, from: key.address, nonce, time, op, pub: key.publicKey };
  const signedBytes = signedBytesOf(unsigned); // first: it refuses what is not JSON, cycles included
  checkJsonValueKeys(unsigned);
  return withSig(unsigned, sign(null, signedBytes, signingKeyObject(key)).toString('hex'));
}

/**
 * The signed envelope, with its keys in canonical order at every level: JSON.stringify(tx) is
 * then the tx's canonical record, which a node checks without sorting anything.
 */
export function withSig(unsigned: UnsignedTx, sig: string): Tx {
  return JSON.parse(canonicalJson({ ...unsigned, sig })) as Tx;
}
