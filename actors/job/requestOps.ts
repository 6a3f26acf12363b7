import { lockEscrow, ok, readBalance, refuse, type JobEvent, type StateTree } from '../../projections/index.ts';
import type { OpOf } from '../../schemas/index.ts';
import { jobMachine, type JobContext, type JobMachineEvent, type JobState, type RewardFunction } from './jobMachine.ts';
import { resultVersionProblem } from './binariesOps.ts';
import { drawReservation, reservationFor } from './reservationOps.ts';
import { readJobSchema, short, unknownJob, type JobOpContext, type JobOpResult } from './jobSchemaRecord.ts';
import { jobPaths, moveDeadline, readJson, startMachine, stepMachine, writeJson, type Persisted } from './jobStore.ts';
import { isApproved, readNode } from './nodeOps.ts';
import { payOut, sum } from './settle.ts';

export type PersistedRequest = Persisted<JobState, JobContext>;

export function readRequest(tree: StateTree, request: string): PersistedRequest | null {
  return readJson<PersistedRequest>(tree, jobPaths.request(request));
}

const isFinal = (state: JobState) => state === 'settled' || state === 'refunded';

/** Who is paid a request's fee and resolves its challenges: the evaluator's parent admin, else the job's admin. */
export function parentAdminOf(tree: StateTree, context: JobContext): string {
  const parent = context.evaluator === null ? null : readNode(tree, context.job, context.evaluator)?.context.parent;
  // A dropped admin no longer judges or earns: the job's admin stands in.
  if (parent === null || parent === undefined || readNode(tree, context.job, parent)?.state !== 'approved') return readJobSchema(tree, context.job)!.admin;
  return parent;
}

/** Inline payloads (job inputs, results) are kept as JSON text: bounded so the tree always takes them. */
export const payloadCharsMax = 16_384;

export function payloadTooLarge(what: string, payload: unknown): JobOpResult | null {
  const chars = JSON.stringify(payload).length;
  if (chars <= payloadCharsMax) return null;
  return {
    outcome: refuse(
      'TOO_LARGE',
      `The ${what} is ${chars} characters of JSON, more than the ${payloadCharsMax} the ledger keeps inline; put it in Big Storage and send its blob:// reference.`,
    ),
  };
}

/**
 * Steps a request's machine, stores it, keeps its deadline indexed, and when it reaches a final
 * state pays out its escrow. Returns the events the step produced, or null when the machine
 * does not take the event in its state.
 */
export function stepRequest(
  ctx: Pick<JobOpContext, 'tree' | 'height'>,
  before: PersistedRequest,
  event: JobMachineEvent,
): { after: PersistedRequest; events: JobEvent[] } | null {
  const { tree, height } = ctx;
  const after = stepMachine(jobMachine, before, event);
  if (after === null) return null;
  const { context } = after;
  writeJson(tree, jobPaths.request(context.request), after);
  moveDeadline(tree, context.request, isFinal(before.state) ? null : before.context.deadline, isFinal(after.state) ? null : context.deadline);
  const events: JobEvent[] = [];
  if (isFinal(after.state)) {
    // Its bandwidth pool ends with it (requestBandwidth.ts).
    if (context.bandwidth !== undefined) tree.writeSystem(jobPaths.bandwidth(context.request), null);
    const at = {
      job: context.job,
      request: context.request,
      client: context.client,
      evaluator: context.evaluator,
      time: event.time,
      height,
      latencyMs: event.time - context.requestedAt,
    };
    const payouts = payOut(tree, context, after.state as 'settled' | 'refunded', parentAdminOf(tree, context));
    if (after.state === 'settled') {
      const paid = new Set(payouts.filter((p) => p.kind === 'reward').map((p) => p.to));
      const unpaid = Object.keys(context.workers).filter((w) => context.workers[w]!.submittedAt !== undefined && !paid.has(w));
      events.push({ type: 'settled', ...at, payouts, unpaid });
    } else {
      events.push({ type: 'refunded', ...at, reason: context.refundReason!, payouts });
    }
  }
  return { after, events };
}

export const illegal = (request: PersistedRequest, op: string, why = '') =>
  ({
    outcome: refuse('ILLEGAL_TRANSITION', `Request ${short(request.context.request)} is ${request.state}; ${op} is not allowed there${why}.`),
  }) as JobOpResult;

/** Why `reward_weights` do not fit the reward function (`ranked` needs them, the others take none), or null. */
function rewardTermsWrong(rewardFunction: RewardFunction, weights: readonly number[] | undefined): string | null {
  if (rewardFunction === 'ranked' && weights === undefined) {
    return 'reward_function "ranked" splits the workers\' pool by per-rank weights: give reward_weights, best first, e.g. [3, 2, 1].';
  }
  if (rewardFunction !== 'ranked' && weights !== undefined) {
    return `reward_weights are the per-rank weights of reward_function "ranked"; "${rewardFunction}" takes none: leave them out, or ask for "ranked".`;
  }
  return null;
}

/** `requestJob`: the client locks its reward `[evaluator, workers]`, the job's fee and any bandwidth lock in escrow; the request id is the tx hash. */
export function applyRequestJob(ctx: JobOpContext, op: OpOf<'requestJob'>): JobOpResult {
  const { tree, from, hash: request, time, height, windows } = ctx;
  const schema = readJobSchema(tree, op.job_id);
  if (schema === null) return unknownJob(op.job_id);
  if (op.skip_evaluation === true && (op.worker_node === undefined || op.worker_node.length === 0)) {
    return { outcome: refuse('INVALID_JOB_REQUEST', 'skip_evaluation pays a trusted worker without an evaluator: name the trusted workers in worker_node.') };
  }
  if (sum(op.reward) === 0n) return { outcome: refuse('INVALID_JOB_REQUEST', 'A request must offer some reward: reward [evaluator, workers] sums to 0 AIN.') };
  const rewardFunction = op.reward_function ?? 'winnerOnly';
  const weightsWrong = rewardTermsWrong(rewardFunction, op.reward_weights);
  if (weightsWrong !== null) return { outcome: refuse('INVALID_JOB_REQUEST', weightsWrong) };
  if (op.time_limit > windows.maxTimeLimitMs) {
    return {
      outcome: refuse('INVALID_JOB_REQUEST', `time_limit ${op.time_limit} ms is longer than this chain allows (${windows.maxTimeLimitMs} ms of block time).`),
    };
  }
  const tooLarge = payloadTooLarge('job_input', op.job_input);
  if (tooLarge !== null) return tooLarge;
  // A request against a reservation: its worker and pool are the reservation's, the pool already in escrow.
  const reserved =
    op.reservation === undefined
      ? undefined
      : reservationFor(tree, op.reservation, { from, job: op.job_id, pool: op.reward[1], workers: op.worker_node, time });
  if (reserved !== undefined && 'refusal' in reserved) return reserved.refusal;
  const fee = schema.op.fee ?? '0';
  const bandwidth = BigInt(op.bandwidth ?? '0');
  const locked = sum(op.reward) + BigInt(fee) + bandwidth - (reserved === undefined ? 0n : BigInt(reserved.reservation.price));
  const balance = readBalance(tree, from);
  if (balance < locked) {
    const what = bandwidth === 0n ? 'reward and fee' : 'reward, fee and bandwidth lock';
    return { outcome: refuse('INSUFFICIENT_FUNDS', `${from} holds ${balance} AIN, less than the ${locked} AIN of ${what} this request locks.`) };
  }
  if (reserved !== undefined) drawReservation(tree, op.reservation!, reserved.reservation);
  const persisted = startMachine<typeof jobMachine, JobState, JobContext>(jobMachine, {
    job: op.job_id,
    request,
    client: from,
    reward: op.reward,
    rewardFunction,
    rewardWeights: op.reward_weights ?? null,
    timeLimitMs: op.time_limit,
    skipEvaluation: op.skip_evaluation ?? false,
    evaluatorsAllowed: op.evaluator_node ?? null,
    workersAllowed: reserved !== undefined ? [reserved.reservation.worker] : (op.worker_node ?? null),
    fee,
    challengeFee: schema.op.challenge_fee ?? '0',
    windows,
    requestedAt: time,
    ...(bandwidth === 0n ? {} : { bandwidth: bandwidth.toString() }),
  });
  lockEscrow(tree, from, locked);
  writeJson(tree, jobPaths.request(request), persisted);
  writeJson(tree, jobPaths.input(request), op.job_input);
  // The test data it commits to (actors/job/testDataOps.ts): revealed after the time limit.
  if (op.test_commitment !== undefined) writeJson(tree, jobPaths.testData(request), { commitment: op.test_commitment });
  moveDeadline(tree, request, null, persisted.context.deadline);
  return { outcome: ok, events: [{ type: 'requested', job: op.job_id, request, client: from, reward: sum(op.reward).toString(), time, height }] };
}

/** `acceptJob`: an approved evaluator (with its deposit) or worker takes a request. */
export function applyAcceptJob(ctx: JobOpContext, op: OpOf<'acceptJob'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const request = readRequest(tree, op.request_id);
  if (request === null) return unknownJob(op.request_id);
  const { context } = request;
  if (!isApproved(tree, context.job, from, op.role))
    return { outcome: refuse('NOT_APPROVED', `${from} is not an approved ${op.role} of job ${short(context.job)}.`) };
  const allowed = op.role === 'evaluator' ? context.evaluatorsAllowed : context.workersAllowed;
  if (allowed !== null && !allowed.includes(from))
    return { outcome: refuse('NOT_ALLOWED', `${from} is not on request ${short(context.request)}'s ${op.role} allow-list.`) };
  if (op.role === 'worker' && context.rejected?.includes(from) === true) {
    return { outcome: refuse('NOT_ALLOWED', `${context.client}, the client of request ${short(context.request)}, rejected ${from} as a worker on it.`) };
  }
  if (from === context.client || from === context.evaluator || context.workers[from] !== undefined) {
    return {
      outcome: refuse('NOT_ALLOWED', `${from} already takes part in request ${short(context.request)} (as client, evaluator or worker); one party per role.`),
    };
  }
  let event: JobMachineEvent;
  const deposit = BigInt(op.deposit ?? '0');
  if (op.role === 'evaluator') {
    if (readNode(tree, context.job, from)?.context.parent === context.client) {
      return {
        outcome: refuse(
          'NOT_ALLOWED',
          `${from} was approved by ${context.client}, the request's client, who would then judge challenges against it; another evaluator must take this request.`,
        ),
      };
    }
    if (deposit <= BigInt(context.challengeFee)) {
      return {
        outcome: refuse(
          'DEPOSIT_TOO_SMALL',
          `An evaluator's deposit must exceed the job's challenge fee of ${context.challengeFee} AIN; ${deposit} AIN was offered.`,
        ),
      };
    }
    const balance = readBalance(tree, from);
    if (balance < deposit) return { outcome: refuse('INSUFFICIENT_FUNDS', `${from} holds ${balance} AIN, less than its deposit of ${deposit} AIN.`) };
    event = { type: 'acceptEvaluator', node: from, deposit: deposit.toString(), time };
  } else {
    event = { type: 'acceptWorker', node: from, time };
  }
  const stepped = stepRequest(ctx, request, event);
  if (stepped === null)
    return illegal(
      request,
      `acceptJob as ${op.role}`,
      op.role === 'worker' && request.state === 'running' ? ' (it has the most workers a request takes, or evaluation comes first)' : '',
    );
  if (op.role === 'evaluator') lockEscrow(tree, from, deposit);
  // Where the client may seal an encrypted input's key to this node (actors/job/shareKeyOps.ts).
  if (op.box_key !== undefined) tree.writeSystem(jobPaths.boxKey(context.request, from), op.box_key);
  return {
    outcome: ok,
    events: [{ type: 'accepted', job: context.job, request: context.request, node: from, role: op.role, time, height }, ...stepped.events],
  };
}

/**
 * `rejectWorker`: the client turns a worker away while the request runs (the paper: "if it doesn't
 * like the worker's reputation"); its result, if it submitted one, is set aside and it cannot
 * accept the request again.
 */
export function applyRejectWorker(ctx: JobOpContext, op: OpOf<'rejectWorker'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const request = readRequest(tree, op.request_id);
  if (request === null) return unknownJob(op.request_id);
  const { context } = request;
  if (from !== context.client)
    return { outcome: refuse('NOT_ALLOWED', `Only ${context.client}, the client of request ${short(op.request_id)}, rejects its workers.`) };
  if (context.workers[op.worker] === undefined)
    return {
      outcome: refuse('NOT_ALLOWED', `${op.worker} is not a worker on request ${short(op.request_id)}; only a worker that accepted it can be rejected.`),
    };
  const submitted = context.workers[op.worker]!.submittedAt !== undefined;
  const stepped = stepRequest(ctx, request, { type: 'rejectWorker', node: op.worker, time });
  if (stepped === null) return illegal(request, 'rejectWorker', ' (a worker is rejected only while the request runs)');
  if (submitted) tree.writeSystem(jobPaths.result(op.request_id, op.worker), null);
  const event: JobEvent = {
    type: 'workerRejected',
    job: context.job,
    request: op.request_id,
    node: op.worker,
    client: from,
    ...(op.reason === undefined ? {} : { reason: op.reason }),
    time,
    height,
  };
  return { outcome: ok, events: [event, ...stepped.events] };
}

/** `submitResult`: a worker on the request hands in its result (kept beside the request). */
export function applySubmitResult(ctx: JobOpContext, op: OpOf<'submitResult'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const request = readRequest(tree, op.request_id);
  if (request === null) return unknownJob(op.request_id);
  const worker = request.context.workers[from];
  if (worker === undefined)
    return { outcome: refuse('NOT_ALLOWED', `${from} has not accepted request ${short(op.request_id)} as a worker; acceptJob comes first.`) };
  if (worker.submittedAt !== undefined) return illegal(request, 'a second submitResult by the same worker');
  const tooLarge = op.result === undefined ? null : payloadTooLarge('result', op.result);
  if (tooLarge !== null) return tooLarge;
  const badVersion = resultVersionProblem(tree, request.context.job, op.version, worker.acceptedAt);
  if (badVersion !== null) return badVersion;
  const stepped = stepRequest(ctx, request, {
    type: 'submitResult',
    node: from,
    time,
    ...(op.failure === undefined ? {} : { failure: op.failure }),
    ...(op.log === undefined ? {} : { log: op.log }),
    ...(op.version === undefined ? {} : { version: op.version }),
  });
  if (stepped === null) return illegal(request, 'submitResult');
  // A failure is no result: `results` keeps only what an evaluator may rank.
  if (op.result !== undefined) writeJson(tree, jobPaths.result(op.request_id, from), op.result);
  const submitted: JobEvent = {
    type: 'submitted',
    job: request.context.job,
    request: op.request_id,
    node: from,
    responseMs: time - worker.acceptedAt,
    ...(op.failure === undefined ? {} : { failure: op.failure.code }),
    ...(op.log === undefined ? {} : { log: op.log }),
    ...(op.version === undefined ? {} : { version: op.version }),
    time,
    height,
  };
  return { outcome: ok, events: [submitted, ...stepped.events] };
}

/** Why a ranking of a request is refused (a worker twice, or one that submitted no result), or null. */
export function rankingProblem(context: JobContext, ranking: readonly string[]): JobOpResult | null {
  const seen = new Set<string>();
  for (const worker of ranking) {
    if (seen.has(worker)) return { outcome: refuse('BAD_RANKING', `The ranking names ${worker} twice.`) };
    if (context.workers[worker]?.submittedAt === undefined)
      return { outcome: refuse('BAD_RANKING', `${worker} submitted no result to request ${short(context.request)}; only workers who did can be ranked.`) };
    const failure = context.workers[worker]!.failure;
    if (failure !== undefined)
      return {
        outcome: refuse(
          'BAD_RANKING',
          `${worker}'s run failed (${failure.code}) and gave no result to request ${short(context.request)}; only results can be ranked.`,
        ),
      };
    seen.add(worker);
  }
  return null;
}

/** `rank`: the request's evaluator orders the workers who submitted, best first. */
export function applyRank(ctx: JobOpContext, op: OpOf<'rank'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const request = readRequest(tree, op.request_id);
  if (request === null) return unknownJob(op.request_id);
  const { context } = request;
  if (from !== context.evaluator) return { outcome: refuse('NOT_ALLOWED', `Only request ${short(op.request_id)}'s evaluator ranks it; ${from} is not.`) };
  if (request.state !== 'ranking') return illegal(request, 'rank', request.state === 'running' ? ' until block time passes its time limit' : '');
  const wrong = rankingProblem(context, op.ranking);
  if (wrong !== null) return wrong;
  const stepped = stepRequest(ctx, request, { type: 'rank', ranking: op.ranking, time })!;
  return {
    outcome: ok,
    events: [{ type: 'ranked', job: context.job, request: op.request_id, evaluator: from, ranking: op.ranking, time, height }, ...stepped.events],
  };
}

/** `acceptResult`: the client takes the ranking; the request settles. */
export function applyAcceptResult(ctx: JobOpContext, op: OpOf<'acceptResult'>): JobOpResult {
  const request = readRequest(ctx.tree, op.request_id);
  if (request === null) return unknownJob(op.request_id);
  if (ctx.from !== request.context.client)
    return { outcome: refuse('NOT_ALLOWED', `Only request ${short(op.request_id)}'s client may acceptResult it; ${ctx.from} is not.`) };
  const stepped = stepRequest(ctx, request, { type: 'acceptResult', time: ctx.time });
  return stepped === null ? illegal(request, 'acceptResult') : { outcome: ok, events: stepped.events };
}
