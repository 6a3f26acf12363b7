import { AinError, defaultMaxTxBytes, maxTxJsonDepth, parseOrThrow, Tx, type Refusal } from '../../schemas/index.ts';
import { sha256Hex, signedBytesOf, verifyEd25519, type Ed25519PublicKey } from '../crypto/index.ts';
import { checkJsonValueKeys, jsonValueTooDeep, tooDeep } from '../json/index.ts';
import { senderKeyOf } from './senderKeys.ts';

/** A tx that passed every check, with its hash and signed bytes. */
export interface VerifiedTx {
  readonly tx: Tx;
  readonly hash: string;
  readonly signedBytes: Buffer;
  /** `tx.op.type`, when whoever checked it kept it: read without touching `tx` (which may be parsed only when asked). */
  readonly type?: string;
  /** The SHA-256 (hex) of its record's bytes, when whoever checked it kept it (a mempool does): a block's recordsRoot takes it as it is. */
  readonly ref?: string;
}

export interface CheckTxOptions {
  /** Refuse txs for other chains or shards (`WRONG_CHAIN`); unchecked when absent. */
  readonly chain?: string;
  readonly shard?: string;
  /** Most signed bytes of one tx (`TX_TOO_LARGE`); the default limit when absent. */
  readonly maxTxBytes?: number;
}

/** A tx that passed every check but its signature, with what its caller makes of it once that passes too. */
export class Unverified<T> {
  constructor(
    readonly tx: Tx,
    readonly signedBytes: Buffer,
    readonly key: Ed25519PublicKey,
    readonly then: T,
  ) {}
}

/**
 * Every check of one tx, in order of cost: depth and `__proto__` keys, schema, chain and shard,
 * size, `from` against `pub`, then the Ed25519 signature. Throws an AinError with a stable code.
 * Parse text with parseTxJson, which also refuses keys given twice.
 * @example const { tx, hash } = checkTx(parseTxJson(body), { chain: 'ain-local' })
 */
export function checkTx(input: unknown, options: CheckTxOptions = {}): VerifiedTx {
  const unverified = prepareTx(input, options);
  if (!signatureHolds(unverified)) throw badSignature(unverified.tx);
  return unverified.then;
}

/** checkTx but the signature, which a batch checks afterwards in one tight loop (see inTwoPasses). */
export function prepareTx(input: unknown, options: CheckTxOptions): Unverified<VerifiedTx> {
  if (jsonValueTooDeep(input, maxTxJsonDepth)) throw tooDeep();
  // Before the schema, which would drop such keys from records and read what is left.
  checkJsonValueKeys(input);
  return prepareParsedTx(input, options);
}

/**
 * prepareTx of a value parseTxJson gave, which refused deep nesting and `__proto__` or
 * repeated keys in its text already: the same checks, without walking the value twice more.
 */
export function prepareParsedTx(input: unknown, options: CheckTxOptions): Unverified<VerifiedTx> {
  const tx = parseOrThrow(Tx, input, 'tx');
  // The schema is strict and transforms nothing, so the input holds exactly the tx's fields; its
  // keys keep the sender's order, which is already canonical when the sender wrote canonical JSON
  // (as signTx's txs serialise), and then canonicalising is one native JSON.stringify.
  const signedBytes = signedBytesOf(input as Tx);
  const key = checkFields(tx, signedBytes, options);
  return new Unverified(tx, signedBytes, key, { tx, hash: sha256Hex(signedBytes), signedBytes });
}

/**
 * The checks of a schema-valid tx whose signed bytes are known, but its signature: chain and
 * shard, size, `from` against `pub`. Returns the sender's key for the signature.
 */
export function checkFields(tx: Tx, signedBytes: Buffer, options: CheckTxOptions): Ed25519PublicKey {
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
  const { address, key } = senderKeyOf(tx.pub);
  if (address !== tx.from) {
    throw new AinError('BAD_ADDRESS', `tx field "from" is ${tx.from}, but the public key in "pub" belongs to ${address}.`, {
      details: { field: 'from', expected: address, actual: tx.from },
    });
  }
  return key;
}

/** Whether the tx's `sig` is its sender's Ed25519 signature over its signed bytes. */
export function signatureHolds({ tx, signedBytes, key }: Unverified<unknown>): boolean {
  return verifyEd25519(signedBytes, Buffer.from(tx.sig, 'hex'), key);
}

export function badSignature(tx: Tx): AinError {
  return new AinError('BAD_SIGNATURE', `tx field "sig" is not a valid Ed25519 signature by ${tx.from} over the tx's canonical bytes.`, {
    details: { field: 'sig' },
  });
}

/** A check's AinError as a refusal; anything else is a broken invariant, not a verdict, and propagates. */
export function asRefusal(error: unknown): Refusal {
  if (error instanceof AinError) return { code: error.code, message: error.message };
  throw error;
}
