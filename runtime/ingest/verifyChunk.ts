import { checkTxTexts, recordBytesOf, writeRecordFromSignedBytes, type CheckTxOptions } from '../../log/index.ts';
import type { Refusal } from '../../schemas/index.ts';

export interface VerifyChunkTask {
  /** Each tx as the JSON text it arrived in: strings cross threads as one copy, objects do not. */
  readonly texts: readonly string[];
  readonly options: CheckTxOptions;
}

/**
 * A checked chunk, shaped to cross the thread boundary cheaply: `outcomes[i]` is the i-th tx's
 * hash when it passed (its record is the next `recordBytes` entry of `records`), else its refusal.
 * `cuts` lists the indexes of txs that are `cut` markers.
 */
export interface CheckedChunk {
  readonly outcomes: (string | Refusal)[];
  readonly records: Uint8Array;
  readonly recordBytes: number[];
  readonly cuts: number[];
  /** Per passed tx (as `recordBytes`): its signer, nonce and op type, so the main thread need not parse its record for them. */
  readonly senders: TxSender[];
}

/** What a mempool's admission reads of a checked tx. */
export interface TxSender {
  readonly from: string;
  readonly nonce: number;
  readonly type: string;
}

/**
 * Checks a chunk of txs in a worker thread (events' checkTxTexts) and writes the log records of
 * those that pass into one buffer, so the main thread only moves bytes.
 */
export function verifyChunk({ texts, options }: VerifyChunkTask): CheckedChunk {
  const outcomes: (string | Refusal)[] = [];
  const recordBytes: number[] = [];
  const cuts: number[] = [];
  const senders: TxSender[] = [];
  let records = Buffer.allocUnsafe(texts.length * 1024);
  let at = 0;
  for (const verdict of checkTxTexts(texts, options)) {
    if (!('hash' in verdict)) {
      outcomes.push(verdict);
      continue;
    }
    const { tx, hash, signedBytes } = verdict;
    const size = recordBytesOf(signedBytes);
    if (at + size > records.length) {
      const grown = Buffer.allocUnsafe(Math.max(records.length * 2, at + size));
      records.copy(grown, 0, 0, at);
      records = grown;
    }
    at = writeRecordFromSignedBytes(signedBytes, tx.sig, records, at);
    if (tx.op.type === 'cut') cuts.push(outcomes.length);
    outcomes.push(hash);
    recordBytes.push(size);
    senders.push({ from: tx.from, nonce: tx.nonce, type: tx.op.type });
  }
  return { outcomes, records: records.subarray(0, at), recordBytes, cuts, senders };
}

export default verifyChunk;

export { checkRecordsChunk } from './checkRecordsChunk.ts';
