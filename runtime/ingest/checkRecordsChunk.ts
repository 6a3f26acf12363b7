import { checkRecord } from '../../actors/index.ts';
import { decodeTxRecord } from '../../events/index.ts';

export interface CheckRecordsTask {
  /** The records end to end, one buffer so it crosses the thread boundary in one copy. */
  readonly bytes: Uint8Array;
  readonly sizes: readonly number[];
  readonly chain: string;
  readonly shard: string;
}

/** One verdict per record: null when it is a well-formed signed tx for the chain, else why not. */
export type RecordVerdict = { readonly code: string; readonly message: string } | null;

/**
 * The ledger's record check (decode, schema, chain, signature) for records read back from a log,
 * run in a worker thread: the same pure function the ledger would run itself.
 */
export function checkRecordsChunk({ bytes, sizes, chain, shard }: CheckRecordsTask): RecordVerdict[] {
  const verdicts: RecordVerdict[] = [];
  let at = 0;
  for (const size of sizes) {
    verdicts.push(checkRecord(decodeTxRecord(0, bytes.subarray(at, at + size)), chain, shard));
    at += size;
  }
  return verdicts;
}
