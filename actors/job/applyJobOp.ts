import { payFromEscrow, refuse, type JobEvent, type StateTree } from '../../projections/index.ts';
import type { Genesis, JobOp } from '../../schemas/index.ts';
import type { JobWindows } from './jobMachine.ts';
import { defaultJobWindows, type JobOpContext, type JobOpResult } from './jobSchemaRecord.ts';
import { dueRequests, jobPaths } from './jobStore.ts';
import { applyPublishBinaries } from './binariesOps.ts';
import { applyRevealTestData } from './testDataOps.ts';
import { applyShareKey } from './shareKeyOps.ts';
import { applyAcceptReservation, applyReservationEnds, applyReserveWorker } from './reservationOps.ts';
import { applyApplyJob, applyApproveNode, applyDrop, applyRegisterJob } from './nodeOps.ts';
import { applyBlindChallenge, applyBlindVerdict, lapseBlindChallenge } from './blindChallengeOps.ts';
import { applyChallenge, applyResolveChallenge } from './challengeOps.ts';
import { applyAcceptJob, applyAcceptResult, applyRank, applyRejectWorker, applyRequestJob, applySubmitResult, readRequest, stepRequest } from './requestOps.ts';

/** The protocol's windows for a chain: its genesis's, with defaults for what it leaves out. */
export function jobWindowsOf(genesis: Genesis): JobWindows {
  return { ...defaultJobWindows, ...Object.fromEntries(Object.entries(genesis.jobs ?? {}).filter(([, v]) => v !== undefined)) };
}

/**
 * Folds one job-protocol op (architecture paper §2.2.3) signed by `ctx.from`: the node and
 * request machines step with XState's pure transition, money moves only through escrow, and a
 * step the machine does not draw is ILLEGAL_TRANSITION with a sentence naming state and op.
 */
export function applyJobOp(ctx: JobOpContext, op: JobOp): JobOpResult {
  switch (op.type) {
    case 'registerJob':
      return applyRegisterJob(ctx, op);
    case 'applyJob':
      return applyApplyJob(ctx, op);
    case 'approveNode':
      return applyApproveNode(ctx, op);
    case 'drop':
      return applyDrop(ctx, op);
    case 'requestJob':
      return applyRequestJob(ctx, op);
    case 'acceptJob':
      return applyAcceptJob(ctx, op);
    case 'submitResult':
      return applySubmitResult(ctx, op);
    case 'rank':
      return applyRank(ctx, op);
    case 'acceptResult':
      return applyAcceptResult(ctx, op);
    case 'challenge':
      return applyChallenge(ctx, op);
    case 'resolveChallenge':
      return applyResolveChallenge(ctx, op);
    case 'blindChallenge':
      return applyBlindChallenge(ctx, op);
    case 'blindVerdict':
      return applyBlindVerdict(ctx, op);
    case 'rejectWorker':
      return applyRejectWorker(ctx, op);
    case 'publishBinaries':
      return applyPublishBinaries(ctx, op);
    case 'reserveWorker':
      return applyReserveWorker(ctx, op);
    case 'acceptReservation':
      return applyAcceptReservation(ctx, op);
    case 'revealTestData':
      return applyRevealTestData(ctx, op);
    case 'shareKey':
      return applyShareKey(ctx, op);
    default: {
      // A job op added to schemas/ops without a case here fails to compile.
      const unhandled: never = op;
      return { outcome: refuse('UNSUPPORTED_OP', `${(unhandled as JobOp).type} is not a job-protocol op.`) };
    }
  }
}

/**
 * Sends `deadline` to every request whose deadline block time `time` reached, oldest first:
 * time limits end, rankings and claim windows close, lapsed challenges count as rejected (their
 * fee back to the challenger), blind challenges without a quorum lapse (their reward back to the
 * client). Runs at the start of each block, before its txs.
 */
export function applyJobDeadlines(tree: StateTree, time: number, height: number): JobEvent[] {
  const events: JobEvent[] = [];
  for (const due of dueRequests(tree, time)) {
    const before = readRequest(tree, due.request);
    if (before === null || before.context.deadline !== due.time) {
      tree.writeSystem(jobPaths.deadline(due.time, due.request), null); // stale: a bug elsewhere, but never fatal to the chain
      continue;
    }
    const stepped = stepRequest({ tree, height }, before, { type: 'deadline', time });
    if (stepped === null) throw new Error(`request ${due.request} in state ${before.state} has a deadline its machine does not take`);
    if (before.state === 'challenged') payFromEscrow(tree, before.context.challenger ?? before.context.client, BigInt(before.context.challengeFeeLocked));
    if (before.state === 'blindChallenged') events.push(lapseBlindChallenge(tree, before, time, height));
    events.push(...stepped.events);
  }
  events.push(...applyReservationEnds(tree, time, height));
  return events;
}

export type { JobOpContext, JobOpResult };
