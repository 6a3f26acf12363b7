import { isAinError, safeParse, Tx } from '../../schemas/index.ts';
import { parseTxJson } from './parseTxJson.ts';
import { canonicalBytes, sha256Hex, signedBytesOf } from '../crypto/index.ts';

/**
 * A log record is the UTF-8 canonical JSON of a whole signed envelope (with `sig`).
 * Readers recompute the hash from it; nothing in the record is trusted without a check.
 */
export function encodeTxRecord(tx: Tx): Buffer {
  return canonicalBytes(tx);
}

const timeKey = Buffer.from(',"time":');

/**
 * The record of a tx from its signed bytes and signature, without a second canonicalisation:
 * in RFC 8785 key order `sig` sits just before `time`, and the last `,"time":` of the signed
 * bytes is the envelope's own (only `time` and `v`, two numbers, come after it).
 */
export function recordFromSignedBytes(signedBytes: Buffer, sig: string): Buffer {
  const at = signedBytes.lastIndexOf(timeKey);
  if (at < 0) throw new Error('signed bytes have no top-level "time" field');
  return Buffer.concat([signedBytes.subarray(0, at), Buffer.from(`,"sig":"${sig}"`), signedBytes.subarray(at)]);
}

const sigField = Buffer.from(',"sig":"');
const sigFieldBytesOf = sigField.byteLength + 128 + 1;

/**
 * The signed bytes inside a record `recordFromSignedBytes` built, by cutting its `sig` out: no
 * parse, no canonicalisation. Null when the record has no `sig` where that puts it. It proves
 * nothing by itself: compare the record with one checked before (the mempool's) to rely on it.
 * @example const signed = signedBytesOfRecord(record); if (signed && pool.has(sha256Hex(signed))) …
 */
export function signedBytesOfRecord(record: Buffer): Buffer | null {
  const at = record.lastIndexOf(timeKey);
  const from = at - sigFieldBytesOf;
  if (at < 0 || from < 0 || record.compare(sigField, 0, sigField.byteLength, from, from + sigField.byteLength) !== 0) return null;
  return Buffer.concat([record.subarray(0, from), record.subarray(at)]);
}

/**
 * Writes the record of a tx (as `recordFromSignedBytes` builds it) into `target` at `position`,
 * growing nothing: `target` must have room for `recordBytesOf(signedBytes)`. Returns the end.
 */
export function writeRecordFromSignedBytes(signedBytes: Buffer, sig: string, target: Buffer, position: number): number {
  const at = signedBytes.lastIndexOf(timeKey);
  if (at < 0) throw new Error('signed bytes have no top-level "time" field');
  let end = position + signedBytes.copy(target, position, 0, at);
  end += target.write(`,"sig":"${sig}"`, end, 'latin1');
  return end + signedBytes.copy(target, end, at);
}

/** Size of the record built from signed bytes: they plus `,"sig":"<128 hex>"`. */
export const recordBytesOf = (signedBytes: Uint8Array): number => signedBytes.byteLength + sigFieldBytes;
const sigFieldBytes = ',"sig":""'.length + 128;

/** What the block cutter needs of a `cut` marker. */
export interface CutMarker {
  readonly height: number;
  readonly from: string;
  readonly time: number;
}

/** A log record as the cutter and ledger see it. */
export interface TxRecord {
  readonly offset: number;
  /** The tx hash, or SHA-256 of the raw record when it is not a tx. */
  readonly hash: string;
  /** SHA-256 of the record's bytes, `sig` included: a block's recordsRoot is over these. */
  readonly ref: string;
  /** `null` when the record does not decode to a well-formed tx (a faulty orderer's doing). */
  readonly tx: Tx | null;
  /** Set when the tx is a `cut` marker. */
  readonly cut: CutMarker | null;
  readonly sizeBytes: number;
}

const cutOf = (tx: Tx): CutMarker | null => (tx.op.type === 'cut' ? { height: tx.op.height, from: tx.from, time: tx.time } : null);

/**
 * Decodes a record: bytes that are not a well-formed tx (not JSON, too deep, a key named
 * `__proto__` or a key twice in one object, wrong shape, not canonicalisable) become a record
 * with `tx: null`, the same on every node. Anything else thrown (a broken invariant) is not an
 * outcome and propagates.
 */
export function decodeTxRecord(offset: number, value: Uint8Array): TxRecord {
  return decodeTxRecordWithSignedBytes(offset, value).record;
}

/** `decodeTxRecord`, also giving the tx's signed bytes (null for a record that is not a tx). */
export function decodeTxRecordWithSignedBytes(offset: number, value: Uint8Array): { record: TxRecord; signedBytes: Buffer | null } {
  const ref = sha256Hex(value);
  const junk = () => ({ record: { offset, hash: ref, ref, tx: null, cut: null, sizeBytes: value.byteLength } as TxRecord, signedBytes: null });
  const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  let json: unknown;
  try {
    json = parseTxJson(text); // what ingest refuses is junk here: the same bytes mean the same on every path
  } catch (error) {
    if (isAinError(error)) return junk();
    throw error;
  }
  const parsed = safeParse(Tx, json);
  if (!parsed.success) return junk();
  let signed: Buffer;
  try {
    signed = signedBytesOf(json as Tx); // the parsed record, whose keys keep the record's (canonical) order: see checkTx
  } catch (error) {
    if (isAinError(error, 'BAD_SCHEMA')) return junk(); // e.g. a lone surrogate in a string
    throw error;
  }
  // The parsed record, not zod's copy: zod rebuilds objects with their keys in schema order, and a
  // fold that stores an op (a job's spec) would then write other bytes than a node reading its
  // own records gives (JSON.parse keeps the record's order). The schema is strict and transforms
  // nothing, so the two hold the same fields and values.
  const tx = json as Tx;
  return { record: { offset, hash: sha256Hex(signed), ref, tx, cut: cutOf(tx), sizeBytes: value.byteLength }, signedBytes: signed };
}

/** A record already checked, whose tx is parsed the first time someone asks for it. */
class OwnTxRecord implements TxRecord {
  readonly #value: Uint8Array;
  #tx: Tx | undefined;
  readonly cut = null;
  constructor(
    readonly offset: number,
    readonly hash: string,
    readonly ref: string,
    value: Uint8Array,
    readonly sizeBytes: number,
  ) {
    this.#value = value;
  }

  get tx(): Tx {
    return (this.#tx ??= parseOwn(this.#value));
  }
}

const parseOwn = (value: Uint8Array): Tx =>
  JSON.parse(Buffer.isBuffer(value) ? value.toString('utf8') : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8')) as Tx;

/**
 * Decodes a record already checked (on a verify thread, or by this process before it appended
 * it), whose hash and kind are known (and its ref, when given): skips the schema and the hashing. Reached through
 * check/'s checkedRecordOf; only for bytes that never left this process's hands since.
 */
export function decodeOwnTxRecord(offset: number, value: Uint8Array, hash: string, isCut: boolean, ref: string = sha256Hex(value)): TxRecord {
  if (isCut) {
    const tx = parseOwn(value);
    return { offset, hash, ref, tx, cut: cutOf(tx), sizeBytes: value.byteLength };
  }
  // Only cut markers matter to the cutter: parse the others when someone asks.
  return new OwnTxRecord(offset, hash, ref, value, value.byteLength);
}
