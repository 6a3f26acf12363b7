import type { JobEvent, Payout } from '../../schemas/index.ts';

/** A request as `GET /v1/jobs/<id>` serves it (the fields the inspect commands read). */
export interface RequestView {
  readonly kind: 'job' | 'request';
  readonly height: number;
  readonly id: string;
  readonly state: string;
  readonly job: string;
  readonly client: string;
  /** `[evaluator, workers]`: the evaluator's pay and the workers' pool. */
  readonly reward: readonly [string, string];
  readonly rewardFunction: string;
  readonly rewardWeights?: readonly number[] | null;
  readonly timeLimitMs: number;
  readonly fee: string;
  readonly challengeFee: string;
  readonly requestedAt: number;
  readonly deadline: number;
  readonly evaluator: string | null;
  readonly deposit: string;
  readonly workers: Readonly<Record<string, { readonly acceptedAt: number; readonly submittedAt?: number; readonly failure?: { readonly code: string } }>>;
  readonly ranking: readonly string[];
  readonly refundReason: string | null;
  readonly rejected?: readonly string[];
  readonly input: unknown;
  readonly results: Readonly<Record<string, unknown>>;
}

/**
 * A request's reward in words: the evaluator's pay, the workers' pool and how it is split.
 * @example rewardText({ reward: ['10', '10'], rewardFunction: 'ranked', rewardWeights: [2, 1] }) // 'evaluator 10, workers 10 (ranked 2:1)'
 */
export function rewardText(view: Pick<RequestView, 'reward' | 'rewardFunction' | 'rewardWeights'>): string {
  const weights = view.rewardWeights == null ? '' : ` ${view.rewardWeights.join(':')}`;
  return `evaluator ${view.reward[0]}, workers ${view.reward[1]} (${view.rewardFunction}${weights})`;
}

/** A step of a node on the request: its block (null when the node's blocks lack it) and block time. */
export interface NodeStep {
  readonly height: number | null;
  readonly time: number;
}

/** One row of `ain requests show`'s node table: an evaluator or a worker that took the request. */
export interface RequestNode {
  readonly role: 'evaluator' | 'worker';
  readonly address: string;
  /** evaluator: accepted, ranked, no ranking; worker: running, submitted, ranked N, unranked, rejected, failed CODE, no result. */
  readonly status: string;
  readonly accepted?: NodeStep;
  readonly submitted?: NodeStep & { readonly responseMs?: number };
  readonly result?: unknown;
  /** What it was paid out of the request's escrow. */
  readonly paid: readonly Payout[];
}

const open = new Set(['requested', 'accepted', 'running']);

function workerStatus(view: RequestView, address: string, submitted: boolean, rejected: boolean): string {
  if (rejected) return 'rejected';
  const failure = view.workers[address]?.failure;
  if (failure !== undefined) return `failed ${failure.code}`;
  const rank = view.ranking.indexOf(address);
  if (rank >= 0) return `ranked ${rank + 1}`;
  if (submitted) return view.ranking.length > 0 ? 'unranked' : 'submitted';
  return open.has(view.state) ? 'running' : 'no result';
}

/**
 * One row per node that took the request — its evaluator, then its workers in the order they
 * accepted, rejected ones included — from the request as the ledger holds it and its job events
 * (their heights; without them, the block times the request keeps).
 * @example requestNodes(view, history.events)
 */
export function requestNodes(view: RequestView, events: readonly JobEvent[]): RequestNode[] {
  const accepted = new Map<string, NodeStep>();
  const submitted = new Map<string, NodeStep & { responseMs?: number }>();
  const rejected = new Set(view.rejected ?? []);
  const order: { address: string; role: 'evaluator' | 'worker' }[] = [];
  const payouts: Payout[] = [];
  for (const event of events) {
    if (event.type === 'accepted') {
      accepted.set(event.node, { height: event.height, time: event.time });
      order.push({ address: event.node, role: event.role });
    } else if (event.type === 'submitted') submitted.set(event.node, { height: event.height, time: event.time, responseMs: event.responseMs });
    else if (event.type === 'workerRejected') rejected.add(event.node);
    else if (event.type === 'settled' || event.type === 'refunded' || event.type === 'challengeResolved') payouts.push(...event.payouts);
  }
  // What the events did not show (a node whose blocks lack them): the ledger's own record.
  if (view.evaluator !== null && !order.some((n) => n.address === view.evaluator)) order.unshift({ address: view.evaluator, role: 'evaluator' });
  for (const [address, worker] of Object.entries(view.workers)) {
    if (!accepted.has(address)) {
      accepted.set(address, { height: null, time: worker.acceptedAt });
      order.push({ address, role: 'worker' });
    }
    if (worker.submittedAt !== undefined && !submitted.has(address)) submitted.set(address, { height: null, time: worker.submittedAt });
  }
  const rows = order.map(({ address, role }): RequestNode => {
    const paid = payouts.filter((p) => p.to === address);
    const status =
      role === 'evaluator'
        ? view.ranking.length > 0
          ? 'ranked'
          : open.has(view.state) || view.state === 'ranking'
            ? 'accepted'
            : 'no ranking'
        : workerStatus(view, address, submitted.has(address), rejected.has(address));
    const result = role === 'worker' && address in view.results ? { result: view.results[address] } : {};
    const step = submitted.get(address);
    return { role, address, status, accepted: accepted.get(address), ...(role === 'worker' && step !== undefined ? { submitted: step } : {}), ...result, paid };
  });
  return [...rows.filter((r) => r.role === 'evaluator'), ...rows.filter((r) => r.role === 'worker')];
}
