import type { JobEvent, Payout } from '../../schemas/index.ts';

/** A request's record as `GET /v1/jobs/<id>` answers it (the fields the page shows). */
export interface RequestRecord {
  readonly id: string;
  readonly state: string;
  readonly job: string;
  readonly client: string;
  /** `[evaluator, workers]`: the evaluator's pay and the workers' pool, decimal strings. */
  readonly reward: readonly [string, string];
  readonly rewardFunction: string;
  readonly timeLimitMs: number;
  readonly deadline: number;
  readonly evaluator: string | null;
  readonly deposit: string;
  readonly fee: string;
  readonly workers: Readonly<Record<string, { readonly acceptedAt: number; readonly submittedAt?: number }>>;
  readonly ranking: readonly string[];
  readonly refundReason: string | null;
}

/** Where a request went, in the order of its machine's states. */
export const requestSteps = ['requested', 'accepted', 'running', 'ranking', 'ranked', 'settled'] as const;
export type RequestStep = (typeof requestSteps)[number] | 'challenged' | 'refunded';

/** A step the request reached: in which block, at what block time (`null` when no event marks it, as a passed deadline). */
export interface StepReached {
  readonly height: number | null;
  readonly time: number | null;
}

/** One worker's lane. */
export interface WorkerLane {
  readonly node: string;
  readonly accepted: StepReached | null;
  readonly submitted: (StepReached & { readonly responseMs: number }) | null;
  readonly rejected: { readonly reason: string } | null;
  /** 1 for the best, null when not ranked. */
  readonly rank: number | null;
  /** Its reward, a decimal string, once settled; '0' for a result left unpaid. */
  readonly paid: string | null;
}

export interface RequestState {
  readonly id: string;
  readonly record: RequestRecord | null;
  readonly state: string;
  readonly reached: Readonly<Partial<Record<RequestStep, StepReached>>>;
  readonly lanes: readonly WorkerLane[];
  readonly payouts: readonly Payout[];
  readonly refundReason: string | null;
  /** The last height whose events were applied: a replay of older ones is left out. */
  readonly height: number;
}

export type RequestViewEvent =
  { readonly type: 'record'; readonly record: RequestRecord } | { readonly type: 'jobs'; readonly height: number; readonly events: readonly JobEvent[] };

export const initialRequest = (id: string): RequestState => ({
  id,
  record: null,
  state: 'requested',
  reached: {},
  lanes: [],
  payouts: [],
  refundReason: null,
  height: 0,
});

const at = (e: { height: number; time: number }): StepReached => ({ height: e.height, time: e.time });

function lane(lanes: readonly WorkerLane[], node: string, change: (lane: WorkerLane) => WorkerLane): WorkerLane[] {
  const found = lanes.find((l) => l.node === node) ?? { node, accepted: null, submitted: null, rejected: null, rank: null, paid: null };
  const next = change(found);
  return lanes.some((l) => l.node === node) ? lanes.map((l) => (l.node === node ? next : l)) : [...lanes, next];
}

function applyJobEvent(state: RequestState, e: JobEvent): RequestState {
  if (!('request' in e) || e.request !== state.id) return state;
  const reach = (step: RequestStep, s: RequestState = state): RequestState => ({
    ...s,
    state: step,
    reached: { ...s.reached, [step]: s.reached[step] ?? at(e) },
  });
  switch (e.type) {
    case 'requested':
      return reach('requested');
    case 'accepted':
      if (e.role === 'evaluator') return reach('accepted');
      return reach('running', { ...state, lanes: lane(state.lanes, e.node, (l) => ({ ...l, accepted: at(e) })) });
    case 'submitted':
      return { ...state, lanes: lane(state.lanes, e.node, (l) => ({ ...l, submitted: { ...at(e), responseMs: e.responseMs } })) };
    case 'workerRejected':
      return { ...state, lanes: lane(state.lanes, e.node, (l) => ({ ...l, rejected: { reason: e.reason ?? 'turned away by the client' } })) };
    case 'ranked': {
      let lanes = state.lanes;
      e.ranking.forEach((node, i) => (lanes = lane(lanes, node, (l) => ({ ...l, rank: i + 1 }))));
      return reach('ranked', { ...state, lanes, reached: { ...state.reached, ranking: state.reached.ranking ?? { height: null, time: null } } });
    }
    case 'challenged':
      return reach('challenged');
    case 'challengeResolved':
      return { ...state, payouts: [...state.payouts, ...e.payouts] };
    case 'settled': {
      let lanes = state.lanes;
      for (const p of e.payouts) if (p.kind === 'reward') lanes = lane(lanes, p.to, (l) => ({ ...l, paid: p.amount }));
      for (const node of e.unpaid) lanes = lane(lanes, node, (l) => ({ ...l, paid: '0' }));
      return reach('settled', { ...state, lanes, payouts: [...state.payouts, ...e.payouts] });
    }
    case 'refunded':
      return reach('refunded', { ...state, payouts: [...state.payouts, ...e.payouts], refundReason: e.reason });
    default:
      return state;
  }
}

/**
 * A request's page from its record (`GET /v1/jobs/<id>`) and its job events (the `jobs/<id>`
 * stream, replayed from the block of its tx): the stepper's states with the block of each, one
 * lane per worker, the payouts. A block's events applied twice (a replay after a reconnect) are
 * applied once.
 * @example applyRequest(initialRequest(id), { type: 'jobs', height, events }).state // 'settled'
 */
export function applyRequest(state: RequestState, event: RequestViewEvent): RequestState {
  if (event.type === 'record') {
    const { record } = event;
    let lanes = state.lanes;
    for (const [node, worker] of Object.entries(record.workers)) {
      lanes = lane(lanes, node, (l) => ({
        ...l,
        accepted: l.accepted ?? { height: null, time: worker.acceptedAt },
        submitted:
          l.submitted ??
          (worker.submittedAt === undefined ? null : { height: null, time: worker.submittedAt, responseMs: worker.submittedAt - worker.acceptedAt }),
      }));
    }
    record.ranking.forEach((node, i) => (lanes = lane(lanes, node, (l) => ({ ...l, rank: l.rank ?? i + 1 }))));
    // The record is as of its read: a state the events already moved past stays.
    const later = state.reached[state.state as RequestStep] !== undefined && state.height > 0;
    return { ...state, record, lanes, state: later ? state.state : record.state, refundReason: state.refundReason ?? record.refundReason };
  }
  if (event.height <= state.height) return state;
  return { ...event.events.reduce(applyJobEvent, state), height: event.height };
}

/** The steps the stepper draws: the usual path, with `challenged` or `refunded` where the request took them. */
export function stepsOf(state: RequestState): RequestStep[] {
  const steps: RequestStep[] = [...requestSteps];
  if (state.reached.challenged !== undefined || state.state === 'challenged') steps.splice(steps.indexOf('settled'), 0, 'challenged');
  if (state.state === 'refunded') steps[steps.length - 1] = 'refunded';
  return steps;
}

/** Whole AIN paid out by kind (reward, fee, deposit, refund, challengeFee), as decimal strings. */
export function payoutTotals(state: RequestState): Record<string, string> {
  const totals: Record<string, bigint> = {};
  for (const { kind, amount } of state.payouts) totals[kind] = (totals[kind] ?? 0n) + BigInt(amount);
  return Object.fromEntries(Object.entries(totals).map(([kind, sum]) => [kind, sum.toString()]));
}
