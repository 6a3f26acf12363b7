import { checkRecords, type CheckedRecord, type LogRecord, type RecordScope } from '../../log/index.ts';
import type { VerifyPool } from '../ingest/index.ts';

/** Checks records read from a log on the pool's threads when there is one, else on this thread: the same verdicts. */
export async function checkLogRecords(records: readonly LogRecord[], scope: RecordScope, pool?: VerifyPool): Promise<CheckedRecord[]> {
  return pool === undefined ? checkRecords(records, scope) : pool.checkRecords(records, scope);
}
