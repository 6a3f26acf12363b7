import { checkRecordsBytes, type CheckedRecord } from '../../actors/index.ts';
import { decodeOwnTxRecord, type LogRecord } from '../../events/index.ts';
import type { Refusal } from '../../projections/index.ts';
import type { RecordCheck, VerifyPool } from '../ingest/index.ts';

function fromCheck({ offset, value }: LogRecord, check: RecordCheck): CheckedRecord {
  if (check.verdict === null) return { record: decodeOwnTxRecord(offset, value, check.hash, check.isCut), verdict: null };
  return { record: { offset, hash: check.hash, tx: null, cut: null, sizeBytes: value.byteLength }, verdict: check.verdict as Refusal };
}

/**
 * Checks records read from a log, on the pool's threads when there is one: the same verdict
 * as the ledger's own check. A record that fails keeps its hash (for the txRoot) but not its tx,
 * so a forged cut marker closes no block.
 */
export async function checkLogRecords(records: readonly LogRecord[], chain: string, shard: string, pool?: VerifyPool): Promise<CheckedRecord[]> {
  if (pool !== undefined) {
    const checks = await pool.checkRecords(records, chain, shard);
    return records.map((r, i) => fromCheck(r, checks[i]!));
  }
  const checks = checkRecordsBytes(records, chain, shard);
  return records.map((r, i) => {
    const { record, verdict } = checks[i]!;
    return fromCheck(r, { hash: record.hash, isCut: verdict === null && record.cut !== null, verdict });
  });
}
