import { checkTxSignature, decodeTxRecordWithSignedBytes, verifyTx, type TxRecord } from '../../events/index.ts';
import { isAinError } from '../../schemas/index.ts';
import { refuse, type Refusal } from '../../projections/index.ts';

// The size of a tx in the log is bounded by the block's maxBytes; the per-tx limit is the
// boundary's (a node's config), so it is not a ledger rule.
const noSizeLimit = Number.MAX_SAFE_INTEGER;

const notATx = (record: TxRecord) => refuse('BAD_SCHEMA', `The record at offset ${record.offset} is not a well-formed signed tx.`);

function asRefusal(error: unknown): Refusal {
  if (isAinError(error)) return refuse(error.code, error.message);
  throw error;
}

/**
 * The boundary checks again, for a record read from the log: a faulty orderer or a raw producer
 * can put anything there. `null` when the record is a well-formed, correctly signed tx for this
 * chain and shard.
 */
export function checkRecord(record: TxRecord, chain: string, shard: string): Refusal | null {
  if (record.tx === null) return notATx(record);
  try {
    verifyTx(record.tx, { chain, shard, maxTxBytes: noSizeLimit });
    return null;
  } catch (error) {
    return asRefusal(error);
  }
}

/** Decodes and checks a record's bytes in one pass (each step once): what verify threads run. */
export function checkRecordBytes(offset: number, value: Uint8Array, chain: string, shard: string): { record: TxRecord; verdict: Refusal | null } {
  const { record, signedBytes } = decodeTxRecordWithSignedBytes(offset, value);
  if (record.tx === null || signedBytes === null) return { record, verdict: notATx(record) };
  try {
    checkTxSignature(record.tx, signedBytes, { chain, shard, maxTxBytes: noSizeLimit });
    return { record, verdict: null };
  } catch (error) {
    return { record, verdict: asRefusal(error) };
  }
}
