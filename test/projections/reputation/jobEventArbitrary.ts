import fc from 'fast-check';
import type { JobEvent, Payout } from '../../../projections/index.ts';
import type { EventBody } from './jobEvents.ts';

/** Random job event streams over small pools, so that nodes, requests and jobs meet often. */
const node = fc.constantFrom('0xa', '0xb', '0xc', '0xd', '0xe', '__proto__');
const request = fc.constantFrom('r1', 'r2', 'r3', 'constructor');
const role = fc.constantFrom('admin' as const, 'evaluator' as const, 'worker' as const);
const amount = fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String);
const ms = fc.integer({ min: 0, max: 120_000 });
const payout: fc.Arbitrary<Payout> = fc.record({
  to: node,
  amount,
  kind: fc.constantFrom('reward' as const, 'fee' as const, 'deposit' as const, 'refund' as const, 'challengeFee' as const),
});

const body: fc.Arbitrary<EventBody> = fc.oneof(
  fc.record({ type: fc.constant('jobRegistered' as const), admin: node }),
  fc.record({ type: fc.constant('nodeApplied' as const), node, role }),
  fc.record({ type: fc.constant('nodeApproved' as const), node, role, parent: node }),
  fc.record({ type: fc.constant('nodeDropped' as const), node, role, by: node }),
  fc.record({ type: fc.constant('requested' as const), request, client: node, reward: amount }),
  fc.record({ type: fc.constant('accepted' as const), request, node, role: fc.constantFrom('evaluator' as const, 'worker' as const) }),
  fc.record({ type: fc.constant('submitted' as const), request, node, responseMs: ms }),
  fc.record({ type: fc.constant('ranked' as const), request, evaluator: node, ranking: fc.array(node, { maxLength: 6 }) }),
  fc.record({ type: fc.constant('challenged' as const), request, client: node, evaluator: node, challenger: node }),
  fc.record({
    type: fc.constant('challengeResolved' as const),
    request,
    upheld: fc.boolean(),
    evaluator: node,
    client: node,
    challenger: node,
    resolver: node,
    payouts: fc.array(payout, { maxLength: 2 }),
    ranking: fc.option(fc.array(node, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  }),
  fc.record({ type: fc.constant('challengerPenalized' as const), request, node, rejected: fc.integer({ min: 1, max: 9 }) }),
  fc.record({
    type: fc.constant('blindChallenged' as const),
    request,
    client: node,
    evaluator: node,
    reward: amount,
    quorum: fc.integer({ min: 1, max: 5 }),
    eligible: fc.integer({ min: 1, max: 9 }),
  }),
  fc.record({ type: fc.constant('blindVerdict' as const), request, admin: node, uphold: fc.boolean() }),
  fc.record({
    type: fc.constant('blindChallengeResolved' as const),
    request,
    client: node,
    evaluator: node,
    outcome: fc.constantFrom('upheld' as const, 'rejected' as const, 'lapsed' as const),
    agreed: fc.array(node, { maxLength: 3 }),
    payouts: fc.array(payout, { maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('settled' as const),
    request,
    client: node,
    evaluator: fc.option(node),
    payouts: fc.array(payout, { maxLength: 5 }),
    latencyMs: ms,
    unpaid: fc.array(node, { maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('refunded' as const),
    request,
    client: node,
    evaluator: fc.option(node),
    reason: fc.constantFrom('noEvaluator' as const, 'noResult' as const, 'noRanking' as const, 'challengeUpheld' as const, 'blindChallengeUpheld' as const),
    payouts: fc.array(payout, { maxLength: 5 }),
    latencyMs: ms,
  }),
);

/** A stream of job events in two jobs, with block times that mostly advance (and sometimes repeat). */
export const jobEventStream: fc.Arbitrary<JobEvent[]> = fc
  .array(fc.record({ body, job: fc.constantFrom('j1', 'j2'), stepMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40_000 })) }), { maxLength: 60 })
  .map((steps) => {
    let timeMs = 0;
    return steps.map(({ body, job, stepMs }) => {
      timeMs += stepMs;
      return { ...body, job, time: timeMs, height: Math.floor(timeMs / 1000) } as JobEvent;
    });
  });

/** Cut points that split a stream into chunks. */
export const cuts = fc.array(fc.nat({ max: 60 }), { maxLength: 4 }).map((xs) => [...new Set(xs)].sort((a, b) => a - b));

export function chunksOf<T>(items: readonly T[], at: readonly number[]): T[][] {
  const bounds = [0, ...at.filter((n) => n < items.length), items.length];
  return bounds.slice(1).map((end, i) => items.slice(bounds[i], end));
}
