import { refuse, type Refusal } from '../../schemas/index.ts';
import { sha256Hex } from '../crypto/index.ts';
import { decodeOwnTxRecord, decodeTxRecordWithSignedBytes, type TxRecord } from '../codec/index.ts';
import { asRefusal, checkFields, checkTx, Unverified } from './checkTx.ts';
import { inTwoPasses } from './inTwoPasses.ts';

/** A log record after the checks (schema, chain, signature): `null`, or why it failed. */
export interface CheckedRecord {
  readonly record: TxRecord;
  readonly verdict: Refusal | null;
}

/**
 * What a record's check came to, in few bytes: what crosses a thread boundary, and what a node
 * knows of a record it checked and appended itself. `checkedRecordOf` rebuilds the record from it.
 */
export interface RecordCheck {
  readonly hash: string;
  /** A cut marker that passed. */
  readonly isCut: boolean;
  readonly verdict: Refusal | null;
  /** SHA-256 of the record's bytes (its ref), when whoever checked it had it: not hashed again. */
  readonly ref?: string;
}

/** The chain and shard whose records these are. */
export interface RecordScope {
  readonly chain: string;
  readonly shard: string;
}

// A block's maxBytes bounds a tx in the log; the per-tx limit is the boundary's (a node's config), not a ledger rule.
const noSizeLimit = Number.MAX_SAFE_INTEGER;

const notATx = (offset: number) => refuse('BAD_SCHEMA', `The record at offset ${offset} is not a well-formed signed tx.`);

/** A record that failed keeps its hash and ref (for the txRoot and recordsRoot) but not its tx, so a forged cut marker closes no block. */
const refused = ({ offset, hash, ref, sizeBytes }: TxRecord, verdict: Refusal): CheckedRecord => ({
  record: { offset, hash, ref, tx: null, cut: null, sizeBytes },
  verdict,
});

/**
 * The checks again, for records read from a log, where a faulty orderer or a raw producer can put
 * anything: each record's bytes decoded and checked once, in slices, two passes each.
 * @example const checked = checkRecords(await log.read(0), { chain: 'ain-local', shard: '/' })
 */
export function checkRecords(records: readonly { readonly offset: number; readonly value: Uint8Array }[], scope: RecordScope): CheckedRecord[] {
  const options = { chain: scope.chain, shard: scope.shard, maxTxBytes: noSizeLimit };
  const firstPass = ({ offset, value }: { offset: number; value: Uint8Array }): CheckedRecord | Unverified<TxRecord> => {
    const { record, signedBytes } = decodeTxRecordWithSignedBytes(offset, value);
    if (record.tx === null || signedBytes === null) return refused(record, notATx(offset));
    try {
      return new Unverified(record.tx, signedBytes, checkFields(record.tx, signedBytes, options), record);
    } catch (error) {
      return refused(record, asRefusal(error));
    }
  };
  const settle = (unverified: Unverified<TxRecord>, refusal: Refusal | null): CheckedRecord =>
    refusal === null ? { record: unverified.then, verdict: null } : refused(unverified.then, refusal);
  return [...inTwoPasses(records, firstPass, settle, asRefusal)];
}

/**
 * The verdict `checkRecords` gives, for one record already decoded (`decodeTxRecord`): what the
 * ledger runs for a record that comes without one.
 */
export function checkRecord(record: TxRecord, scope: RecordScope): Refusal | null {
  if (record.tx === null) return notATx(record.offset);
  try {
    checkTx(record.tx, { chain: scope.chain, shard: scope.shard, maxTxBytes: noSizeLimit });
    return null;
  } catch (error) {
    return asRefusal(error);
  }
}

/** A checked record in few bytes, to send to another thread (see RecordCheck). */
export function recordCheckOf({ record, verdict }: CheckedRecord): RecordCheck {
  return { hash: record.hash, isCut: verdict === null && record.cut !== null, verdict };
}

/**
 * A record checked elsewhere (on a verify thread, or by this process before it appended it),
 * rebuilt from its bytes and check without checking it again: a record that passed is parsed only
 * when someone asks for its tx. Only for bytes that never left this process's hands since.
 */
export function checkedRecordOf(offset: number, value: Uint8Array, { hash, isCut, verdict, ref = sha256Hex(value) }: RecordCheck): CheckedRecord {
  if (verdict !== null) return refused({ offset, hash, ref, tx: null, cut: null, sizeBytes: value.byteLength }, verdict);
  return { record: decodeOwnTxRecord(offset, value, hash, isCut, ref), verdict: null };
}
