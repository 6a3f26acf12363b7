import { AinError } from '../../schemas/index.ts';

export interface NextNonceParameters {
  /** The last nonce this signer used (0: none yet). */
  readonly lastNonce?: number;
  /** The last nonce the ledger has of the key (0: none). */
  readonly ledgerNonce: number;
  /** The clock, in ms since the epoch. */
  readonly timeMs: number;
  /** The key's address, for the error's sentence. */
  readonly address?: string;
}

/**
 * The nonce to sign with next: above the last one this signer used and the ledger's, and at
 * least the clock in ms. Nonces that follow the clock let several signers of one key (the node,
 * a CLI, an agent) rarely meet and a restarted signer never reuse one. NONCES_SPENT once the
 * next would pass 2^53 − 1, the largest a tx may carry: the boundary would refuse the tx.
 * @example const nonce = nextNonce({ lastNonce, ledgerNonce: account.nonce, timeMs: Date.now() })
 */
export function nextNonce({ lastNonce = 0, ledgerNonce, timeMs, address = 'the key' }: NextNonceParameters): number {
  const nonce = Math.max(lastNonce + 1, ledgerNonce + 1, Math.floor(timeMs));
  if (!Number.isSafeInteger(nonce)) {
    throw new AinError(
      'NONCES_SPENT',
      `The next nonce of ${address} would be ${nonce}, past the largest a tx may carry (${Number.MAX_SAFE_INTEGER}); sign with another key.`,
      {
        details: { nonce, lastNonce, ledgerNonce },
      },
    );
  }
  return nonce;
}
