import { payAllFromEscrow, type Payout, type StateTree } from '../../projections/index.ts';
import type { JobContext } from './jobMachine.ts';

/** Sum of decimal strings of whole AIN. */
export const sum = (amounts: readonly string[]): bigint => amounts.reduce((total, a) => total + BigInt(a), 0n);

/** What a request holds in escrow: its rewards and fee (the client's), deposit and open challenge fee. */
export function escrowOf(context: JobContext): bigint {
  return sum(context.rewards) + BigInt(context.fee) + BigInt(context.deposit) + BigInt(context.challengeFeeLocked);
}

/**
 * Each ranked worker's share of the rewards (best first) by the request's reward function:
 * `ranked` pays the i-th reward to the i-th worker, `winnerOnly` all of it to the first, `even`
 * splits it equally with the remainder to the first. What no worker takes goes back to the client.
 */
export function rewardShares(context: Pick<JobContext, 'rewards' | 'rewardFunction'>, ranking: readonly string[]): { to: string; amount: bigint }[] {
  if (ranking.length === 0) return [];
  const total = sum(context.rewards);
  switch (context.rewardFunction) {
    case 'winnerOnly':
      return [{ to: ranking[0]!, amount: total }];
    case 'even': {
      const each = total / BigInt(ranking.length);
      return ranking.map((to, i) => ({ to, amount: each + (i === 0 ? total - each * BigInt(ranking.length) : 0n) }));
    }
    case 'ranked':
      return ranking.slice(0, context.rewards.length).map((to, i) => ({ to, amount: BigInt(context.rewards[i]!) }));
  }
}

/**
 * Pays a request out of escrow once its machine reached `settled` or `refunded`, and returns the
 * payouts. `feeTo` is the evaluator's parent admin (or the job's admin). Everything the request
 * held leaves escrow: an amount left over is a broken invariant, not an outcome.
 */
export function payOut(tree: StateTree, context: JobContext, outcome: 'settled' | 'refunded', feeTo: string): Payout[] {
  const payouts: Payout[] = [];
  const payments: { to: string; amount: bigint }[] = [];
  const pay = (to: string, amount: bigint, kind: Payout['kind']) => {
    if (amount === 0n) return;
    payments.push({ to, amount });
    payouts.push({ to, amount: amount.toString(), kind });
  };
  const deposit = BigInt(context.deposit);
  if (outcome === 'settled') {
    const shares = rewardShares(context, context.ranking);
    for (const { to, amount } of shares) pay(to, amount, 'reward');
    pay(context.client, sum(context.rewards) - shares.reduce((t, s) => t + s.amount, 0n), 'refund');
    pay(feeTo, BigInt(context.fee), 'fee');
    if (context.evaluator !== null) pay(context.evaluator, deposit, 'deposit');
    pay(context.client, BigInt(context.challengeFeeLocked), 'challengeFee');
  } else {
    pay(context.client, sum(context.rewards) + BigInt(context.fee), 'refund');
    // An evaluator who did not rank in time, or whose ranking a challenge overturned, forfeits its deposit to the client.
    const forfeits = context.refundReason === 'noRanking' || context.refundReason === 'challengeUpheld';
    if (context.evaluator !== null) pay(forfeits ? context.client : context.evaluator, deposit, 'deposit');
    pay(context.client, BigInt(context.challengeFeeLocked), 'challengeFee');
  }
  const paid = payments.reduce((t, p) => t + p.amount, 0n);
  if (paid !== escrowOf(context)) throw new Error(`request ${context.request} paid out ${paid} of the ${escrowOf(context)} it held in escrow`);
  payAllFromEscrow(tree, payments);
  return payouts;
}
