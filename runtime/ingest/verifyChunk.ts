import { recordFromSignedBytes, verifyTx, type VerifyTxOptions } from '../../events/index.ts';
import { AinError } from '../../schemas/index.ts';

/** What one tx came to: its hash and log record, or the code and sentence it was refused with. */
export type CheckedTx =
  | { readonly ok: true; readonly hash: string; readonly record: Uint8Array }
  | { readonly ok: false; readonly code: string; readonly message: string };

export interface VerifyChunkTask {
  readonly txs: readonly unknown[];
  readonly options: VerifyTxOptions;
}

/**
 * Runs every boundary check on a chunk of txs (in a worker thread) and builds their log
 * records, so the main thread only moves bytes.
 */
export function verifyChunk({ txs, options }: VerifyChunkTask): CheckedTx[] {
  return txs.map((input): CheckedTx => {
    try {
      const { tx, hash, signedBytes } = verifyTx(input, options);
      return { ok: true, hash, record: recordFromSignedBytes(signedBytes, tx.sig) };
    } catch (error) {
      if (error instanceof AinError) return { ok: false, code: error.code, message: error.message };
      return { ok: false, code: 'INTERNAL', message: `The tx could not be checked: ${(error as Error).message}.` };
    }
  });
}

export default verifyChunk;
