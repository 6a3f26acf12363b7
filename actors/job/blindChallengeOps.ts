import { lockEscrow, ok, payAllFromEscrow, readBalance, refuse, type JobEvent, type StateTree } from '../../projections/index.ts';
import type { OpOf } from '../../schemas/index.ts';
import { countEligibleAdmins, evaluatorBranchOf, isInBranch } from './adminBranch.ts';
import type { BlindChallenge } from './jobMachine.ts';
import { short, unknownJob, type JobOpContext, type JobOpResult } from './jobSchemaRecord.ts';
import { readNode } from './nodeOps.ts';
import { illegal, readRequest, stepRequest, type PersistedRequest } from './requestOps.ts';

/**
 * `blindChallenge` (the white paper's FAQ): when admin, evaluator and workers might collude, the
 * client asks the job's admins outside the evaluator's branch of the admin tree to judge the
 * ranking, locking `reward` for those whose verdict the quorum reaches. Counts as one of the
 * client's `maxChallenges`.
 */
export function applyBlindChallenge(ctx: JobOpContext, op: OpOf<'blindChallenge'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const request = readRequest(tree, op.request_id);
  if (request === null) return unknownJob(op.request_id);
  const { context } = request;
  if (from !== context.client)
    return { outcome: refuse('NOT_ALLOWED', `Only request ${short(op.request_id)}'s client may ask other admins to judge it blind; ${from} is not.`) };
  if (request.state !== 'ranked' || context.challenges >= context.windows.maxChallenges)
    return illegal(request, 'blindChallenge', request.state === 'ranked' ? ` (it was challenged ${context.challenges} times, the most allowed)` : '');
  const reward = BigInt(op.reward);
  const balance = readBalance(tree, from);
  if (balance < reward)
    return { outcome: refuse('INSUFFICIENT_FUNDS', `${from} holds ${balance} AIN, less than the blind challenge's reward of ${reward} AIN.`) };
  const evaluator = context.evaluator!;
  const eligible = countEligibleAdmins(tree, context.job, evaluatorBranchOf(tree, context.job, evaluator), from);
  if (eligible === 0) {
    return {
      outcome: refuse(
        'NO_ELIGIBLE_ADMINS',
        `Every approved admin of job ${short(context.job)} is in the branch of the admin tree that holds evaluator ${evaluator} (or is the client): nobody outside it can judge a blind challenge of its ranking; challenge it to its parent admin instead.`,
      ),
    };
  }
  const majority = Math.floor(eligible / 2) + 1;
  const quorum = op.quorum ?? majority;
  if (quorum < majority || quorum > eligible) {
    return {
      outcome: refuse(
        'BAD_QUORUM',
        `A quorum of ${quorum} is out of bounds: ${eligible} admins of the job are outside the evaluator's branch, so it must be from ${majority} (a majority) to ${eligible}.`,
      ),
    };
  }
  const stepped = stepRequest(ctx, request, { type: 'blindChallenge', reward: op.reward, quorum, eligible, time })!;
  lockEscrow(tree, from, reward);
  const event: JobEvent = {
    type: 'blindChallenged',
    job: context.job,
    request: op.request_id,
    client: from,
    evaluator,
    reward: op.reward,
    quorum,
    eligible,
    time,
    height,
  };
  return { outcome: ok, events: [event, ...stepped.events] };
}

/** Why `admin` may not judge the open blind challenge, or null. */
function verdictRefusal(tree: StateTree, request: PersistedRequest, blind: BlindChallenge, admin: string): JobOpResult | null {
  const { context } = request;
  const node = readNode(tree, context.job, admin);
  if (node === null || node.state !== 'approved' || node.context.role !== 'admin')
    return { outcome: refuse('NOT_APPROVED', `${admin} is not an approved admin of job ${short(context.job)}; only its admins judge a blind challenge.`) };
  if (admin === context.client)
    return { outcome: refuse('NOT_ALLOWED', `${admin} is the client of request ${short(context.request)}; it cannot judge its own challenge.`) };
  if (node.context.approvedAt! > blind.openedAt) {
    return {
      outcome: refuse(
        'NOT_ALLOWED',
        `${admin} was approved as admin at block time ${node.context.approvedAt}, after the blind challenge opened (${blind.openedAt}); only admins approved by then judge it.`,
      ),
    };
  }
  if (isInBranch(tree, context.job, evaluatorBranchOf(tree, context.job, context.evaluator!), admin)) {
    return {
      outcome: refuse(
        'IN_EVALUATOR_BRANCH',
        `${admin} is in the branch of job ${short(context.job)}'s admin tree that holds evaluator ${context.evaluator}; a blind challenge asks the admins of other branches.`,
      ),
    };
  }
  if (Object.hasOwn(blind.verdicts, admin))
    return { outcome: refuse('ALREADY_VOTED', `${admin} has already given its verdict on the blind challenge of request ${short(context.request)}.`) };
  return null;
}

/** Even shares of `reward` to `admins` in the order they gave their verdicts; the remainder to the first. */
function shares(reward: bigint, admins: readonly string[]): { to: string; amount: bigint }[] {
  const each = reward / BigInt(admins.length);
  return admins.map((to, i) => ({ to, amount: each + (i === 0 ? reward - each * BigInt(admins.length) : 0n) }));
}

/**
 * `blindVerdict`: an eligible admin upholds or rejects the blind challenge. The verdict that
 * makes `quorum` agree decides it: upheld, the request is refunded with the evaluator's deposit
 * (`blindChallengeUpheld`); rejected, the ranking stands and the client's claim window opens
 * again. Either way the reward is shared by the admins whose verdict agreed.
 */
export function applyBlindVerdict(ctx: JobOpContext, op: OpOf<'blindVerdict'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const request = readRequest(tree, op.request_id);
  if (request === null) return unknownJob(op.request_id);
  const { context } = request;
  if (request.state !== 'blindChallenged' || context.blind === undefined) return illegal(request, 'blindVerdict', ' (no blind challenge of it is open)');
  const blind = context.blind;
  const refused = verdictRefusal(tree, request, blind, from);
  if (refused !== null) return refused;
  const stepped = stepRequest(ctx, request, { type: 'blindVerdict', admin: from, uphold: op.uphold, time })!;
  const events: JobEvent[] = [{ type: 'blindVerdict', job: context.job, request: op.request_id, admin: from, uphold: op.uphold, time, height }];
  if (stepped.after.state === 'blindChallenged') return { outcome: ok, events };
  const agreed = [...Object.keys(blind.verdicts).filter((admin) => blind.verdicts[admin] === op.uphold), from];
  const paid = shares(BigInt(blind.reward), agreed);
  payAllFromEscrow(tree, paid);
  events.push({
    type: 'blindChallengeResolved',
    job: context.job,
    request: op.request_id,
    client: context.client,
    evaluator: context.evaluator!,
    outcome: op.uphold ? 'upheld' : 'rejected',
    agreed,
    payouts: paid.map((p) => ({ to: p.to, amount: p.amount.toString(), kind: 'challengeFee' as const })),
    time,
    height,
  });
  return { outcome: ok, events: [...events, ...stepped.events] };
}

/** A blind challenge whose window passed without a quorum: its reward back to the client (the request is ranked again by its step). */
export function lapseBlindChallenge(tree: StateTree, before: PersistedRequest, time: number, height: number): JobEvent {
  const { context } = before;
  const reward = BigInt(context.blind!.reward);
  payAllFromEscrow(tree, [{ to: context.client, amount: reward }]);
  return {
    type: 'blindChallengeResolved',
    job: context.job,
    request: context.request,
    client: context.client,
    evaluator: context.evaluator!,
    outcome: 'lapsed',
    agreed: [],
    payouts: [{ to: context.client, amount: context.blind!.reward, kind: 'challengeFee' }],
    time,
    height,
  };
}
