import type { JobEvent } from '../../../projections/index.ts';

/** A job event without its block fields, which `at` adds. */
export type EventBody = JobEvent extends infer E ? (E extends JobEvent ? Omit<E, 'time' | 'height' | 'job'> : never) : never;

export const jobId = 'job-1';
export const admin = '0xa0';
export const evaluator = '0xe1';
export const [w1, w2, w3] = ['0xw1', '0xw2', '0xw3'];
export const client = '0xc1';

/** One job event at block time `timeMs` (height: whole seconds), in `job`. */
export function at(timeMs: number, body: EventBody, job = jobId): JobEvent {
  return { ...body, time: timeMs, height: Math.floor(timeMs / 1000), job } as JobEvent;
}

/** The job registered, one evaluator and three workers applied and approved by the admin. */
export function setup(job = jobId): JobEvent[] {
  return [
    at(0, { type: 'jobRegistered', admin }, job),
    ...[evaluator, w1, w2, w3].flatMap((node, i) => {
      const role = i === 0 ? ('evaluator' as const) : ('worker' as const);
      return [at(100, { type: 'nodeApplied', node, role }, job), at(200, { type: 'nodeApproved', node, role, parent: admin }, job)];
    }),
  ];
}

/**
 * Request r1 from 1 000 ms: all three workers submit (500, 800, 1100 ms), ranked w1 > w2 > w3,
 * settled at 6 000 ms: w1 20, w2 10, the evaluator 5, the admin's fee 3, the deposit 100 back;
 * w3 unpaid.
 */
export function settledRequest(request = 'r1', startMs = 1000): JobEvent[] {
  return [
    at(startMs, { type: 'requested', request, client, reward: '35' }),
    at(startMs + 100, { type: 'accepted', request, node: evaluator, role: 'evaluator' }),
    ...[w1, w2, w3].map((node) => at(startMs + 200, { type: 'accepted', request, node, role: 'worker' })),
    ...[w1, w2, w3].map((node, i) => at(startMs + 1000, { type: 'submitted', request, node, responseMs: [500, 800, 1100][i]! })),
    at(startMs + 3000, { type: 'ranked', request, evaluator, ranking: [w1, w2, w3] }),
    at(startMs + 5000, {
      type: 'settled',
      request,
      client,
      evaluator,
      latencyMs: 5000,
      unpaid: [w3],
      payouts: [
        { to: w1, amount: '20', kind: 'reward' },
        { to: w2, amount: '10', kind: 'reward' },
        { to: evaluator, amount: '5', kind: 'reward' },
        { to: admin, amount: '3', kind: 'fee' },
        { to: evaluator, amount: '100', kind: 'deposit' },
      ],
    }),
  ];
}

/**
 * Request r2 from 10 000 ms: w1 and w2 submit (200, 400 ms), ranked w2 > w1, the client challenges
 * and the admin upholds: refunded at 16 000 ms, the client gets its 35 back, the evaluator's 100
 * deposit and its 2 challenge fee back.
 */
export function upheldChallenge(request = 'r2', startMs = 10_000): JobEvent[] {
  return [
    at(startMs, { type: 'requested', request, client, reward: '35' }),
    at(startMs + 100, { type: 'accepted', request, node: evaluator, role: 'evaluator' }),
    ...[w1, w2].map((node) => at(startMs + 200, { type: 'accepted', request, node, role: 'worker' })),
    at(startMs + 1000, { type: 'submitted', request, node: w1, responseMs: 200 }),
    at(startMs + 1000, { type: 'submitted', request, node: w2, responseMs: 400 }),
    at(startMs + 3000, { type: 'ranked', request, evaluator, ranking: [w2, w1] }),
    at(startMs + 4000, { type: 'challenged', request, client, evaluator, challenger: client }),
    at(startMs + 5000, { type: 'challengeResolved', request, upheld: true, evaluator, client, challenger: client, resolver: admin, payouts: [] }),
    at(startMs + 6000, {
      type: 'refunded',
      request,
      client,
      evaluator,
      reason: 'challengeUpheld',
      latencyMs: 6000,
      payouts: [
        { to: client, amount: '35', kind: 'refund' },
        { to: client, amount: '100', kind: 'deposit' },
        { to: client, amount: '2', kind: 'challengeFee' },
      ],
    }),
  ];
}
