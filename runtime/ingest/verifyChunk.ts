import {
  checkSignature,
  parseTxJson,
  prepareTx,
  recordBytesOf,
  writeRecordFromSignedBytes,
  type PreparedTx,
  type VerifyTxOptions,
} from '../../events/index.ts';
import { AinError } from '../../schemas/index.ts';

export interface VerifyChunkTask {
  /** Each tx as the JSON text it arrived in: strings cross threads as one copy, objects do not. */
  readonly texts: readonly string[];
  readonly options: VerifyTxOptions;
}

/** A refusal: the code and sentence the submitter gets. */
export interface Refusal {
  readonly code: string;
  readonly message: string;
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
}

const refusalOf = (error: unknown): Refusal =>
  error instanceof AinError
    ? { code: error.code, message: error.message }
    : { code: 'INTERNAL', message: `The tx could not be checked: ${(error as Error).message}.` };

// Txs per pair of passes: enough to keep each kind of work warm, few enough that what the first
// pass made is still young (cheap to collect) when the second is done with it.
const passTxs = 64;

/**
 * Runs every boundary check on a chunk of txs (in a worker thread) and writes their log records
 * into one buffer, so the main thread only moves bytes. Two passes over each slice of txs: first
 * every check but the signatures, then the signatures in one tight loop. Interleaved, each
 * Ed25519 verify evicted the JavaScript's code and data from the caches and the checks ran at
 * half speed.
 */
export function verifyChunk({ texts, options }: VerifyChunkTask): CheckedChunk {
  const outcomes: (string | Refusal)[] = [];
  const recordBytes: number[] = [];
  const cuts: number[] = [];
  let records = Buffer.allocUnsafe(texts.length * 1024);
  let at = 0;
  const prepared: (PreparedTx | Refusal)[] = [];
  for (let from = 0; from < texts.length; from += passTxs) {
    prepared.length = 0;
    for (let i = from; i < Math.min(texts.length, from + passTxs); i++) {
      try {
        prepared.push(prepareTx(parseTx(texts[i]!), options));
      } catch (error) {
        prepared.push(refusalOf(error));
      }
    }
    for (const [slot, one] of prepared.entries()) {
      if (!('key' in one)) {
        outcomes.push(one);
        continue;
      }
      try {
        checkSignature(one.tx, one.signedBytes, one.key);
      } catch (error) {
        outcomes.push(refusalOf(error));
        continue;
      }
      const size = recordBytesOf(one.signedBytes);
      if (at + size > records.length) {
        const grown = Buffer.allocUnsafe(Math.max(records.length * 2, at + size));
        records.copy(grown, 0, 0, at);
        records = grown;
      }
      at = writeRecordFromSignedBytes(one.signedBytes, one.tx.sig, records, at);
      outcomes.push(one.hash);
      recordBytes.push(size);
      if (one.tx.op.type === 'cut') cuts.push(from + slot);
    }
  }
  return { outcomes, records: records.subarray(0, at), recordBytes, cuts };
}

function parseTx(text: string): unknown {
  if (text.trim() === '') throw new AinError('BAD_JSON', 'The request has no body; send one signed tx as JSON.');
  return parseTxJson(text);
}

export default verifyChunk;

export { checkRecordsChunk } from './checkRecordsChunk.ts';
