import { payAllFromEscrow, type Payout, type StateTree } from '../../projections/index.ts';
import type { JobContext } from './jobMachine.ts';

/** Sum of decimal strings of whole AIN. */
export const sum = (amounts: readonly string[]): bigint => amounts.reduce((total, a) => total + BigInt(a), 0n);

/** What a request holds in escrow: its reward and fee (the client's), deposit, open challenge fee, open blind challenge's reward and bandwidth lock. */
export function escrowOf(context: JobContext): bigint {
  const held = sum(context.reward) + BigInt(context.fee) + BigInt(context.deposit) + BigInt(context.challengeFeeLocked) + BigInt(context.bandwidth ?? '0');
  return context.blind === undefined ? held : held + BigInt(context.blind.reward);
}

/** The terms a request pays its workers by: its `[evaluator, workers]` reward, reward function and weights. */
export type RewardTerms = Pick<JobContext, 'reward' | 'rewardFunction' | 'rewardWeights'>;

/**
 * Each ranked worker's share of the workers' pool (`reward[1]`), best first, by the request's
 * reward function: `winnerOnly` all of it to the first; `even` equal shares, the remainder to the
 * first; `ranked` floor(pool × w_i / Σw) to rank i by `reward_weights`, the first also taking
 * what rounding left of the ranks present, ranks beyond the weights nothing. What no worker
 * takes goes back to the client.
 * @example workerShares({ reward: ['10', '10'], rewardFunction: 'ranked', rewardWeights: [2, 1] }, [a, b]) // a 7, b 3
 */
export function workerShares(terms: RewardTerms, ranking: readonly string[]): { to: string; amount: bigint }[] {
  if (ranking.length === 0) return [];
  const pool = BigInt(terms.reward[1]);
  switch (terms.rewardFunction) {
    case 'winnerOnly':
      return [{ to: ranking[0]!, amount: pool }];
    case 'even': {
      const each = pool / BigInt(ranking.length);
      return ranking.map((to, i) => ({ to, amount: each + (i === 0 ? pool - each * BigInt(ranking.length) : 0n) }));
    }
    case 'ranked': {
      // The fold refuses `ranked` without weights; one weight would make it winnerOnly.
      const weights = (terms.rewardWeights ?? [1]).map(BigInt);
      const total = weights.reduce((t, w) => t + w, 0n);
      const present = ranking.slice(0, weights.length);
      const shares = present.map((to, i) => ({ to, amount: (pool * weights[i]!) / total }));
      const presentPart = (pool * weights.slice(0, present.length).reduce((t, w) => t + w, 0n)) / total;
      shares[0]!.amount += presentPart - shares.reduce((t, s) => t + s.amount, 0n);
      return shares;
    }
  }
}

/** The most one worker can be paid from a request's pool: the best rank's share when every rank is filled. */
export function bestWorkerShare(terms: RewardTerms): bigint {
  const ranks = terms.rewardFunction === 'ranked' ? (terms.rewardWeights ?? [1]).length : 1;
  const shares = workerShares(
    terms,
    Array.from({ length: ranks }, (_, i) => String(i)),
  );
  return shares.reduce((best, s) => (s.amount > best ? s.amount : best), 0n);
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
    // The evaluator's part goes to the evaluator who ranked; without one (skip_evaluation), or
    // when a worker's challenge overturned its ranking, back to the client.
    const evaluatorReward = BigInt(context.reward[0]);
    const evaluatorPaid = context.evaluator !== null && context.overruled !== true;
    if (evaluatorPaid) pay(context.evaluator!, evaluatorReward, 'reward');
    const shares = workerShares(context, context.ranking);
    for (const { to, amount } of shares) pay(to, amount, 'reward');
    const unclaimed = BigInt(context.reward[1]) - shares.reduce((t, s) => t + s.amount, 0n) + (evaluatorPaid ? 0n : evaluatorReward);
    pay(context.client, unclaimed, 'refund');
    pay(feeTo, BigInt(context.fee), 'fee');
    if (context.evaluator !== null) pay(context.evaluator, deposit, 'deposit');
    pay(context.challenger ?? context.client, BigInt(context.challengeFeeLocked), 'challengeFee');
  } else {
    pay(context.client, sum(context.reward) + BigInt(context.fee), 'refund');
    // An evaluator who did not rank in time, or whose ranking a challenge overturned, forfeits its deposit to the client.
    const forfeits = context.refundReason === 'noRanking' || context.refundReason === 'challengeUpheld' || context.refundReason === 'blindChallengeUpheld';
    if (context.evaluator !== null) pay(forfeits ? context.client : context.evaluator, deposit, 'deposit');
    pay(context.challenger ?? context.client, BigInt(context.challengeFeeLocked), 'challengeFee');
  }
  // The bandwidth lock goes back to the client however the request ended.
  pay(context.client, BigInt(context.bandwidth ?? '0'), 'bandwidth');
  // An open blind challenge never reaches a final state (its verdicts close it first); were one left, it is the client's.
  if (context.blind !== undefined) pay(context.client, BigInt(context.blind.reward), 'challengeFee');
  const paid = payments.reduce((t, p) => t + p.amount, 0n);
  if (paid !== escrowOf(context)) throw new Error(`request ${context.request} paid out ${paid} of the ${escrowOf(context)} it held in escrow`);
  payAllFromEscrow(tree, payments);
  return payouts;
}
