import type { Payout } from '../../schemas/index.ts';

/** Who took part in a request, to name a payout's payee by its role. */
export interface PayoutParties {
  readonly client: string;
  readonly evaluator: string | null;
  readonly workers: readonly string[];
}

/** A payee's role in the request: evaluator, worker, client, or admin (whoever else a request pays: the fee, a challenge fee). */
export function roleIn(parties: PayoutParties, address: string): 'evaluator' | 'worker' | 'client' | 'admin' {
  if (address === parties.evaluator) return 'evaluator';
  if (parties.workers.includes(address)) return 'worker';
  return address === parties.client ? 'client' : 'admin';
}

function kindWords(payout: Payout, parties: PayoutParties): string {
  switch (payout.kind) {
    case 'reward':
      return '';
    case 'deposit':
      return payout.to === parties.evaluator ? ' (deposit back)' : " (the evaluator's deposit)";
    case 'challengeFee':
      return payout.to === parties.client ? ' (challenge fee back)' : ' (challenge fee)';
    case 'bandwidth':
      return ' (bandwidth lock back)';
    default:
      return ` (${payout.kind})`;
  }
}

/**
 * Who received what, as the paper prints it — the rewards first, `Evaluator (0x…) received 10,
 * worker (0x…) received 10` — then everything else the request paid out, its kind in
 * parentheses: a refund, the fee, the evaluator's deposit back. `nameOf` writes a payee
 * (`worker (0xabcdef12…)`, `worker 0x…`).
 * @example capitalized(payoutLine(payouts, parties, (to) => `${roleIn(parties, to)} (${to.slice(0, 10)}…)`))
 */
export function payoutLine(payouts: readonly Payout[], parties: PayoutParties, nameOf: (address: string) => string): string {
  const rewards = payouts.filter((p) => p.kind === 'reward');
  const rest = payouts.filter((p) => p.kind !== 'reward');
  return [...rewards, ...rest].map((p) => `${nameOf(p.to)} received ${p.amount}${kindWords(p, parties)}`).join(', ');
}

/** `text` with its first letter a capital, to begin a sentence. */
export const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
