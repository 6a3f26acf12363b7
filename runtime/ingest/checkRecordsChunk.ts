import { checkRecordsBytes } from '../../actors/index.ts';

export interface CheckRecordsTask {
  /** The records end to end, one buffer so it crosses the thread boundary in one copy. */
  readonly bytes: Uint8Array;
  readonly sizes: readonly number[];
  /** Where each record sits in the log: refusals name it. */
  readonly offsets: readonly number[];
  readonly chain: string;
  readonly shard: string;
}

/** A record's check: its hash, whether it is a cut marker, and null when it passes, else why not. */
export interface RecordCheck {
  readonly hash: string;
  readonly isCut: boolean;
  readonly verdict: { readonly code: string; readonly message: string } | null;
}

/**
 * The ledger's record check (decode, schema, chain, signature) for records read back from a log,
 * run in a worker thread: the same pure function the ledger would run itself.
 */
export function checkRecordsChunk({ bytes, sizes, offsets, chain, shard }: CheckRecordsTask): RecordCheck[] {
  const records: { offset: number; value: Uint8Array }[] = [];
  let at = 0;
  for (const [i, size] of sizes.entries()) {
    records.push({ offset: offsets[i]!, value: bytes.subarray(at, at + size) });
    at += size;
  }
  return checkRecordsBytes(records, chain, shard).map(({ record, verdict }) => ({
    hash: record.hash,
    isCut: verdict === null && record.cut !== null,
    verdict,
  }));
}
