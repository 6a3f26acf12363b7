import { verify, type KeyObject } from 'node:crypto';
import { AinError, defaultMaxTxBytes, maxTxJsonDepth, parseOrThrow, Tx } from '../../schemas/index.ts';
import { checkJsonValueKeys, jsonValueTooDeep, tooDeep } from '../json/index.ts';
import { sha256Hex } from './hash.ts';
import { addressOf, publicKeyObject } from './keys.ts';
import { signedBytesOf } from './signTx.ts';

/** A tx that passed every boundary check, with its hash and signed bytes. */
export interface VerifiedTx {
  readonly tx: Tx;
  readonly hash: string;
  readonly signedBytes: Buffer;
}

export interface VerifyTxOptions {
  /** Refuse txs for other chains or shards (`WRONG_CHAIN`); unchecked when absent. */
  readonly chain?: string;
  readonly shard?: string;
  readonly maxTxBytes?: number;
}

interface CachedKey {
  readonly address: string;
  readonly key: KeyObject;
}

// Senders repeat, and importing a public key costs a tenth of a verify or more: keep recent ones.
const keyCacheSizeMax = 10_000;
const keyCache = new Map<string, CachedKey>();

function cachedKey(pub: string): CachedKey {
  let entry = keyCache.get(pub);
  if (entry === undefined) {
    if (keyCache.size >= keyCacheSizeMax) keyCache.clear();
    entry = { address: addressOf(pub), key: publicKeyObject(pub) };
    keyCache.set(pub, entry);
  }
  return entry;
}

/** A tx that passed every boundary check but its signature, with what that check needs. */
export interface PreparedTx extends VerifiedTx {
  /** The sender's public key, imported (and cached). */
  readonly key: KeyObject;
}

/**
 * Every boundary check of a tx, in order of cost: depth and `__proto__` keys, schema, chain and
 * shard, size, `from` against `pub`, then the Ed25519 signature. Throws an AinError with a
 * stable code. Parse text with parseTxJson, which also refuses keys given twice.
 * @example const { tx, hash } = verifyTx(parseTxJson(body), { chain: 'ain-local' })
 */
export function verifyTx(input: unknown, options: VerifyTxOptions = {}): VerifiedTx {
  const prepared = prepareTx(input, options);
  checkSignature(prepared.tx, prepared.signedBytes, prepared.key);
  return { tx: prepared.tx, hash: prepared.hash, signedBytes: prepared.signedBytes };
}

/**
 * verifyTx but the signature: the checks of a batch run first for every tx and the signatures
 * after, in one tight loop (see verifyChunk), which keeps both kinds of work warm in the caches.
 */
export function prepareTx(input: unknown, options: VerifyTxOptions = {}): PreparedTx {
  if (jsonValueTooDeep(input, maxTxJsonDepth)) throw tooDeep();
  // Before the schema, which would drop such keys from records and read what is left.
  checkJsonValueKeys(input);
  const tx = parseOrThrow(Tx, input, 'tx');
  // The schema is strict and transforms nothing, so the input holds exactly the tx's fields; its
  // keys keep the sender's order, which is already canonical when the sender wrote canonical JSON
  // (as signTx's txs serialise), and then canonicalising is one native JSON.stringify.
  const signedBytes = signedBytesOf(input as Tx);
  const key = checkTxFields(tx, signedBytes, options);
  return { tx, hash: sha256Hex(signedBytes), signedBytes, key };
}

/**
 * The checks of a schema-valid tx whose signed bytes are known: chain and shard, size, `from`
 * against `pub`, then the Ed25519 signature. Throws an AinError with a stable code.
 */
export function checkTxSignature(tx: Tx, signedBytes: Buffer, options: VerifyTxOptions = {}): void {
  checkSignature(tx, signedBytes, checkTxFields(tx, signedBytes, options));
}

/**
 * checkTxSignature but the signature itself: chain and shard, size, `from` against `pub`.
 * Returns the sender's public key for checkSignature.
 */
export function checkTxFields(tx: Tx, signedBytes: Buffer, options: VerifyTxOptions = {}): KeyObject {
  if (options.chain !== undefined && tx.chain !== options.chain) {
    throw new AinError('WRONG_CHAIN', `tx is for chain "${tx.chain}", but this node serves chain "${options.chain}".`, {
      details: { field: 'chain', expected: options.chain, actual: tx.chain },
    });
  }
  if (options.shard !== undefined && tx.shard !== options.shard) {
    throw new AinError('WRONG_CHAIN', `tx is for shard "${tx.shard}", but this node serves shard "${options.shard}".`, {
      details: { field: 'shard', expected: options.shard, actual: tx.shard },
    });
  }
  const maxTxBytes = options.maxTxBytes ?? defaultMaxTxBytes;
  if (signedBytes.length > maxTxBytes) {
    throw new AinError(
      'TX_TOO_LARGE',
      `tx has ${signedBytes.length} signed bytes, more than the limit of ${maxTxBytes}; put big payloads in Big Storage and send a blob:// reference.`,
      {
        details: { sizeBytes: signedBytes.length, maxTxBytes },
      },
    );
  }
  const { address, key } = cachedKey(tx.pub);
  if (address !== tx.from) {
    throw new AinError('BAD_ADDRESS', `tx field "from" is ${tx.from}, but the public key in "pub" belongs to ${address}.`, {
      details: { field: 'from', expected: address, actual: tx.from },
    });
  }
  return key;
}

/** The Ed25519 signature of a tx over its signed bytes, by `key` (its `pub`); throws BAD_SIGNATURE. */
export function checkSignature(tx: Tx, signedBytes: Buffer, key: KeyObject): void {
  if (!verify(null, signedBytes, key, Buffer.from(tx.sig, 'hex'))) {
    throw new AinError('BAD_SIGNATURE', `tx field "sig" is not a valid Ed25519 signature by ${tx.from} over the tx's canonical bytes.`, {
      details: { field: 'sig' },
    });
  }
}
