import { lockEscrow, ok, payAllFromEscrow, readBalance, refuse, type JobEvent, type Payout } from '../../projections/index.ts';
import type { OpOf } from '../../schemas/index.ts';
import { defaultChallengeStrikes, type JobContext } from './jobMachine.ts';
import { short, unknownJob, type JobOpContext, type JobOpResult } from './jobSchemaRecord.ts';
import { jobPaths, readJson, writeJson } from './jobStore.ts';
import { illegal, parentAdminOf, rankingProblem, readRequest, stepRequest } from './requestOps.ts';

/**
 * `challenge`: the client, or a worker whose result was submitted (the paper: "the client or one
 * of the contracted workers"), disputes the ranking within the claim window, locking the job's
 * challenge fee. Each may challenge `maxChallenges` times.
 */
export function applyChallenge(ctx: JobOpContext, op: OpOf<'challenge'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const request = readRequest(tree, op.request_id);
  if (request === null) return unknownJob(op.request_id);
  const { context } = request;
  const byClient = from === context.client;
  if (!byClient && context.workers[from]?.submittedAt === undefined) {
    return {
      outcome: refuse(
        'NOT_ALLOWED',
        `Only request ${short(op.request_id)}'s client, or a worker that submitted a result to it, may challenge its ranking; ${from} is neither.`,
      ),
    };
  }
  const fee = BigInt(context.challengeFee);
  const balance = readBalance(tree, from);
  if (request.state === 'ranked' && balance < fee)
    return { outcome: refuse('INSUFFICIENT_FUNDS', `${from} holds ${balance} AIN, less than the challenge fee of ${fee} AIN.`) };
  const stepped = stepRequest(ctx, request, byClient ? { type: 'challenge', time } : { type: 'challenge', worker: from, time });
  if (stepped === null) {
    const used = byClient ? `it was challenged ${context.challenges} times` : `${from} challenged it ${context.workerChallenges?.[from] ?? 0} times`;
    return illegal(request, 'challenge', request.state === 'ranked' ? ` (${used}, the most allowed)` : '');
  }
  lockEscrow(tree, from, fee);
  const event: JobEvent = {
    type: 'challenged',
    job: context.job,
    request: op.request_id,
    client: context.client,
    evaluator: context.evaluator!,
    challenger: from,
    time,
    height,
  };
  return { outcome: ok, events: [event] };
}

/** Why a resolveChallenge's `ranking` does not fit it: one comes exactly when a worker's challenge is upheld, and differs from the overturned one. */
function reRankingProblem(context: JobContext, op: OpOf<'resolveChallenge'>): JobOpResult | null {
  const byWorker = context.challenger !== undefined;
  if (op.uphold && byWorker) {
    if (op.ranking === undefined) {
      return {
        outcome: refuse(
          'BAD_RANKING',
          `Upholding ${context.challenger}'s challenge re-evaluates request ${short(context.request)}: give the corrected ranking (ranking: [best, …]), which its payouts then follow.`,
        ),
      };
    }
    if (op.ranking.join() === context.ranking.join()) {
      return {
        outcome: refuse(
          'BAD_RANKING',
          'The corrected ranking is the one the challenge disputes; upholding says that one was wrong: give another, or reject the challenge.',
        ),
      };
    }
    return rankingProblem(context, op.ranking);
  }
  if (op.ranking === undefined) return null;
  return {
    outcome: refuse(
      'BAD_RANKING',
      op.uphold
        ? "A ranking comes with resolveChallenge only when it upholds a worker's challenge; upholding the client's refunds the request."
        : 'A ranking comes with resolveChallenge only when it upholds a challenge by a worker; rejecting keeps the ranking as it is.',
    ),
  };
}

/**
 * `resolveChallenge`: the evaluator's parent admin decides. The client's challenge upheld: the
 * request is refunded with the evaluator's deposit. A worker's upheld: the request is re-evaluated
 * by the resolver's corrected ranking, ranked again by it, and the evaluator's deposit goes to the
 * worker with its fee back. Rejected: the fee goes to the resolver, and a worker's rejected
 * challenges count towards a drop of its reputation.
 */
export function applyResolveChallenge(ctx: JobOpContext, op: OpOf<'resolveChallenge'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const request = readRequest(tree, op.request_id);
  if (request === null) return unknownJob(op.request_id);
  const { context } = request;
  const resolver = parentAdminOf(tree, context);
  if (from !== resolver)
    return { outcome: refuse('NOT_ALLOWED', `Only ${resolver}, the parent admin of request ${short(op.request_id)}'s evaluator, resolves its challenges.`) };
  if (request.state !== 'challenged') return illegal(request, 'resolveChallenge');
  const wrong = reRankingProblem(context, op);
  if (wrong !== null) return wrong;
  const challenger = context.challenger ?? context.client;
  const fee = BigInt(context.challengeFeeLocked);
  const deposit = BigInt(context.deposit);
  const event = { type: 'resolveChallenge', uphold: op.uphold, time, ...(op.ranking === undefined ? {} : { ranking: op.ranking }) } as const;
  const stepped = stepRequest(ctx, request, event)!;
  // Rejected: the fee to whoever resolved it. The client's upheld: the refund returns its fee. A worker's upheld: its fee back and the deposit.
  const paid: { to: string; amount: bigint; kind: Payout['kind'] }[] = [];
  if (!op.uphold) paid.push({ to: from, amount: fee, kind: 'challengeFee' });
  else if (context.challenger !== undefined)
    paid.push({ to: challenger, amount: fee, kind: 'challengeFee' }, { to: challenger, amount: deposit, kind: 'deposit' });
  const payouts: Payout[] = paid.filter((p) => p.amount !== 0n).map((p) => ({ to: p.to, amount: p.amount.toString(), kind: p.kind }));
  payAllFromEscrow(tree, paid);
  const events: JobEvent[] = [
    {
      type: 'challengeResolved',
      job: context.job,
      request: op.request_id,
      upheld: op.uphold,
      evaluator: context.evaluator!,
      client: context.client,
      challenger,
      resolver: from,
      payouts,
      ...(op.ranking === undefined ? {} : { ranking: op.ranking }),
      time,
      height,
    },
  ];
  if (!op.uphold && context.challenger !== undefined) events.push(...strike(ctx, context, context.challenger));
  return { outcome: ok, events: [...events, ...stepped.events] };
}

/** Counts a worker's rejected challenge in the job; every `challengeStrikes`-th costs it reputation (a `challengerPenalized` event). */
function strike(ctx: JobOpContext, context: JobContext, worker: string): JobEvent[] {
  const path = jobPaths.strikes(context.job, worker);
  const rejected = (readJson<number>(ctx.tree, path) ?? 0) + 1;
  writeJson(ctx.tree, path, rejected);
  if (rejected % (context.windows.challengeStrikes ?? defaultChallengeStrikes) !== 0) return [];
  return [{ type: 'challengerPenalized', job: context.job, request: context.request, node: worker, rejected, time: ctx.time, height: ctx.height }];
}
