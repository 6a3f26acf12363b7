import { checkRecords, recordCheckOf, type RecordCheck, type RecordScope } from '../../log/index.ts';

export interface CheckRecordsTask extends RecordScope {
  /** The records end to end, one buffer so it crosses the thread boundary in one copy. */
  readonly bytes: Uint8Array;
  readonly sizes: readonly number[];
  /** Where each record sits in the log: refusals name it. */
  readonly offsets: readonly number[];
}

/** Checks records read back from a log in a worker thread (events' checkRecords), answering in few bytes each. */
export function checkRecordsChunk({ bytes, sizes, offsets, chain, shard }: CheckRecordsTask): RecordCheck[] {
  const records: { offset: number; value: Uint8Array }[] = [];
  let at = 0;
  for (const [i, size] of sizes.entries()) {
    records.push({ offset: offsets[i]!, value: bytes.subarray(at, at + size) });
    at += size;
  }
  return checkRecords(records, { chain, shard }).map(recordCheckOf);
}
