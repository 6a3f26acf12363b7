import { checkSignature, checkTxFields, decodeTxRecordWithSignedBytes, verifyTx, type TxRecord } from '../../events/index.ts';
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

type Decoded = { record: TxRecord; verdict: Refusal | null; signedBytes?: Buffer; key?: ReturnType<typeof checkTxFields> };

// Records per pair of passes: enough to keep each kind of work warm, few enough that what the
// first pass decoded is still young (cheap to collect) when the second is done with it.
const passRecords = 64;

/**
 * Decodes and checks records' bytes (each step once), what verify threads run: in two passes over
 * each slice of them, decoding and every check but the signature, then the signatures in one
 * tight loop, which keeps each kind of work warm in the caches.
 */
export function checkRecordsBytes(
  records: readonly { readonly offset: number; readonly value: Uint8Array }[],
  chain: string,
  shard: string,
): { record: TxRecord; verdict: Refusal | null }[] {
  const options = { chain, shard, maxTxBytes: noSizeLimit };
  const results: { record: TxRecord; verdict: Refusal | null }[] = [];
  const decoded: Decoded[] = [];
  for (let from = 0; from < records.length; from += passRecords) {
    decoded.length = 0;
    for (let i = from; i < Math.min(records.length, from + passRecords); i++) {
      const { offset, value } = records[i]!;
      const { record, signedBytes } = decodeTxRecordWithSignedBytes(offset, value);
      if (record.tx === null || signedBytes === null) {
        decoded.push({ record, verdict: notATx(record) });
        continue;
      }
      try {
        decoded.push({ record, verdict: null, signedBytes, key: checkTxFields(record.tx, signedBytes, options) });
      } catch (error) {
        decoded.push({ record, verdict: asRefusal(error) });
      }
    }
    for (const { record, verdict, signedBytes, key } of decoded) {
      if (key === undefined || signedBytes === undefined) {
        results.push({ record, verdict });
        continue;
      }
      try {
        checkSignature(record.tx!, signedBytes, key);
        results.push({ record, verdict: null });
      } catch (error) {
        results.push({ record, verdict: asRefusal(error) });
      }
    }
  }
  return results;
}
