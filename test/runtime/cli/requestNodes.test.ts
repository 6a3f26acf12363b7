import test from 'ava';
import { capitalized, payoutLine, roleIn } from '../../../runtime/cli/payoutLine.ts';
import { requestNodes, rewardText, type RequestView } from '../../../runtime/cli/requestNodes.ts';
import type { JobEvent } from '../../../schemas/index.ts';

// The node table of `ain requests show`: one row per node that took the request, from the
// request as the ledger holds it and its job events.

const job = 'aa'.repeat(32);
const request = 'bb'.repeat(32);
const [client, evaluator, w1, w2, w3, admin] = ['c1', 'e1', '01', '02', '03', 'ad'].map((x) => `0x${x.repeat(20)}`) as [
  string,
  string,
  string,
  string,
  string,
  string,
];

const view = (fields: Partial<RequestView>): RequestView => ({
  kind: 'request',
  height: 30,
  id: request,
  state: 'running',
  job,
  client,
  reward: ['10', '10'],
  rewardFunction: 'winnerOnly',
  timeLimitMs: 3000,
  fee: '1',
  challengeFee: '5',
  requestedAt: 1000,
  deadline: 4100,
  evaluator,
  deposit: '20',
  workers: {},
  ranking: [],
  refundReason: null,
  input: { y: 4 },
  results: {},
  ...fields,
});
const at = (height: number) => ({ height, time: height * 100, job, request });

test('given a settled request and its events, then the evaluator first, the workers in accept order, each with its steps, rank and pay', (t) => {
  const events: JobEvent[] = [
    { ...at(10), type: 'requested', client, reward: '20' },
    { ...at(11), type: 'accepted', node: evaluator, role: 'evaluator' },
    { ...at(12), type: 'accepted', node: w2, role: 'worker' },
    { ...at(12), type: 'accepted', node: w1, role: 'worker' },
    { ...at(13), type: 'accepted', node: w3, role: 'worker' },
    { ...at(14), type: 'submitted', node: w1, responseMs: 200 },
    { ...at(14), type: 'workerRejected', node: w3, client },
    { ...at(15), type: 'submitted', node: w2, responseMs: 300 },
    { ...at(20), type: 'ranked', evaluator, ranking: [w1] },
    {
      ...at(21),
      type: 'settled',
      client,
      evaluator,
      latencyMs: 1100,
      unpaid: [w2],
      payouts: [
        { to: w1, amount: '10', kind: 'reward' },
        { to: client, amount: '10', kind: 'refund' },
        { to: admin, amount: '1', kind: 'fee' },
        { to: evaluator, amount: '20', kind: 'deposit' },
      ],
    },
  ];
  const rows = requestNodes(
    view({
      state: 'settled',
      workers: { [w2]: { acceptedAt: 1200, submittedAt: 1500 }, [w1]: { acceptedAt: 1200, submittedAt: 1400 } },
      rejected: [w3],
      ranking: [w1],
      results: { [w1]: { x: 2 }, [w2]: { x: 3 } },
    }),
    events,
  );
  t.deepEqual(
    rows.map((r) => [r.role, r.address, r.status, r.accepted?.height, r.submitted?.height ?? null, r.result ?? null, r.paid.map((p) => p.amount)]),
    [
      ['evaluator', evaluator, 'ranked', 11, null, null, ['20']],
      ['worker', w2, 'unranked', 12, 15, { x: 3 }, []],
      ['worker', w1, 'ranked 1', 12, 14, { x: 2 }, ['10']],
      ['worker', w3, 'rejected', 13, null, null, []],
    ],
  );
  t.is(rows[2]!.submitted?.responseMs, 200);
});

test('given no events (blocks the node lacks), then the rows come from the request’s own record, heights unknown', (t) => {
  const rows = requestNodes(view({ workers: { [w1]: { acceptedAt: 1200, submittedAt: 1400 }, [w2]: { acceptedAt: 1300 } } }), []);
  t.deepEqual(
    rows.map((r) => [r.role, r.address, r.status, r.accepted ?? null, r.submitted ?? null]),
    [
      ['evaluator', evaluator, 'accepted', null, null],
      ['worker', w1, 'submitted', { height: null, time: 1200 }, { height: null, time: 1400 }],
      ['worker', w2, 'running', { height: null, time: 1300 }, null],
    ],
  );
});

test('given a request refunded before any result, then its workers have no result and its evaluator no ranking', (t) => {
  const rows = requestNodes(view({ state: 'refunded', refundReason: 'noResult', workers: { [w1]: { acceptedAt: 1200 } } }), []);
  t.deepEqual(
    rows.map((r) => r.status),
    ['no ranking', 'no result'],
  );
});

test("a request's reward reads as [evaluator, workers] and how the pool is split", (t) => {
  t.is(rewardText(view({})), 'evaluator 10, workers 10 (winnerOnly)');
  t.is(rewardText(view({ reward: ['2', '12'], rewardFunction: 'ranked', rewardWeights: [3, 2, 1] })), 'evaluator 2, workers 12 (ranked 3:2:1)');
});

test("the payout line reads as the paper's: the rewards first, Evaluator then worker, then the rest with its kind", (t) => {
  const parties = { client, evaluator, workers: [w1, w2] };
  const line = payoutLine(
    [
      { to: evaluator, amount: '10', kind: 'reward' },
      { to: w2, amount: '10', kind: 'reward' },
      { to: admin, amount: '1', kind: 'fee' },
      { to: evaluator, amount: '20', kind: 'deposit' },
      { to: client, amount: '4', kind: 'refund' },
    ],
    parties,
    (to) => `${roleIn(parties, to)} (${to.slice(0, 6)}…)`,
  );
  t.is(
    capitalized(line),
    'Evaluator (0xe1e1…) received 10, worker (0x0202…) received 10, admin (0xadad…) received 1 (fee), evaluator (0xe1e1…) received 20 (deposit back), client (0xc1c1…) received 4 (refund)',
  );
  t.is(
    payoutLine([{ to: client, amount: '20', kind: 'deposit' }], parties, (to) => roleIn(parties, to)),
    "client received 20 (the evaluator's deposit)",
  );
});
