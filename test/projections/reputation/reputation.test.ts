import test from 'ava';
import {
  applyReputationEvents,
  childrenOf,
  createReputation,
  loadReputation,
  parentOf,
  reputationOf,
  snapshotReputation,
  type JobEvent,
  type NodeReputation,
} from '../../../projections/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { admin, at, client, evaluator, jobId, settledRequest, setup, upheldChallenge, w1, w2, w3 } from './jobEvents.ts';

const history = (): JobEvent[] => [
  ...setup(),
  ...settledRequest(),
  ...upheldChallenge(),
  at(20_000, { type: 'nodeDropped', node: w3, role: 'worker', by: admin }),
];
const entryOf = (events: JobEvent[], node: string): NodeReputation => {
  const { job, ...entry } = reputationOf(applyReputationEvents(createReputation(), events), node).find((e) => e.job === jobId)!;
  return entry;
};
const worker = {
  role: 'worker',
  status: 'approved',
  parent: admin,
  children: [],
  challengesWon: 0,
  challengesLost: 0,
  drops: 0,
  rejectedByClients: 0,
} as const;

test('given a settled request and a refunded one whose challenge was upheld, then each worker has its counts, ratios, response times and rating', (t) => {
  // r1: w1 paid, w2 paid, w3 unpaid; r2: w1 and w2 submitted, refunded (challenge upheld): both rejected.
  // Elo: r1 w1 > w2 > w3 → 1532 / 1500 / 1468; r2 w2 (1500) > w1 (1532): ±32(1 − 1/(1+10^(32/400))) = ±17.469502.
  t.deepEqual(entryOf(history(), w1), {
    ...worker,
    jobsDone: 1,
    accepted: 2,
    submitted: 2,
    paid: 1,
    rejected: 1,
    acceptanceRatio: 0.5,
    rejectionRatio: 0.5,
    responseMsTotal: 700,
    responseMsAverage: 350,
    rating: 1514.530498,
    games: 3,
  });
  t.deepEqual(entryOf(history(), w2), {
    ...worker,
    jobsDone: 1,
    accepted: 2,
    submitted: 2,
    paid: 1,
    rejected: 1,
    acceptanceRatio: 0.5,
    rejectionRatio: 0.5,
    responseMsTotal: 1200,
    responseMsAverage: 600,
    rating: 1517.469502,
    games: 3,
  });
  t.deepEqual(entryOf(history(), w3), {
    ...worker,
    status: 'dropped',
    drops: 1,
    jobsDone: 0,
    accepted: 1,
    submitted: 1,
    paid: 0,
    rejected: 1,
    acceptanceRatio: 0,
    rejectionRatio: 1,
    responseMsTotal: 1100,
    responseMsAverage: 1100,
    rating: 1468,
    games: 2,
  });
});

test('given the same history, then the evaluator did one job and lost one challenge, and the client won it', (t) => {
  const judge = entryOf(history(), evaluator);
  t.like(judge, {
    role: 'evaluator',
    status: 'approved',
    parent: admin,
    jobsDone: 1,
    accepted: 2,
    submitted: 0,
    challengesWon: 0,
    challengesLost: 1,
    rating: 1500,
    games: 0,
  });
  t.is(judge.acceptanceRatio, null, 'no ratio without a submission');
  t.like(entryOf(history(), client), { role: null, status: null, challengesWon: 1, challengesLost: 0, jobsDone: 0 });
});

test('given a challenge the resolver rejects, then the evaluator won it and the client lost it', (t) => {
  const events = [
    ...setup(),
    at(1, {
      type: 'challengeResolved',
      request: 'r9',
      upheld: false,
      evaluator,
      client,
      challenger: client,
      resolver: admin,
      payouts: [{ to: admin, amount: '5', kind: 'challengeFee' }],
    }),
  ];
  t.like(entryOf(events, evaluator), { challengesWon: 1, challengesLost: 0 });
  t.like(entryOf(events, client), { challengesWon: 0, challengesLost: 1 });
});

test('given approvals, then the RTree gives each node its parent and each admin its sorted children', (t) => {
  const subAdmin = '0xa1';
  const state = applyReputationEvents(createReputation(), [
    ...setup(),
    at(300, { type: 'nodeApproved', node: subAdmin, role: 'admin', parent: admin }),
    at(400, { type: 'nodeApproved', node: '0xw9', role: 'worker', parent: subAdmin }),
    at(400, { type: 'nodeApproved', node: '0xw5', role: 'worker', parent: subAdmin }),
  ]);
  t.is(parentOf(state, jobId, admin), null, 'the root admin has no parent');
  t.is(parentOf(state, jobId, w1), admin);
  t.is(parentOf(state, jobId, '0xw9'), subAdmin);
  t.is(parentOf(state, jobId, '0xnobody'), null);
  t.is(parentOf(state, 'no-such-job', w1), null);
  t.deepEqual(childrenOf(state, jobId, admin), [subAdmin, evaluator, w1, w2, w3]);
  t.deepEqual(childrenOf(state, jobId, subAdmin), ['0xw5', '0xw9']);
  t.deepEqual(childrenOf(state, jobId, w1), []);
  childrenOf(state, jobId, admin).pop();
  t.is(childrenOf(state, jobId, admin).length, 5, 'the caller gets a copy');
});

test('given a node approved again by another admin, then it moves to its new parent; a drop keeps the edge', (t) => {
  const state = applyReputationEvents(createReputation(), [
    ...setup(),
    at(300, { type: 'nodeApproved', node: '0xa1', role: 'admin', parent: admin }),
    at(400, { type: 'nodeDropped', node: w2, role: 'worker', by: admin }),
    at(500, { type: 'nodeApproved', node: w1, role: 'worker', parent: '0xa1' }),
  ]);
  t.is(parentOf(state, jobId, w1), '0xa1');
  t.deepEqual(childrenOf(state, jobId, admin), ['0xa1', evaluator, w2, w3]);
  t.deepEqual(childrenOf(state, jobId, '0xa1'), [w1]);
  t.like(reputationOf(state, w2)[0], { status: 'dropped', drops: 1, parent: admin });
});

test('given a node in two jobs, then reputationOf lists one entry per job, by job id', (t) => {
  const state = applyReputationEvents(createReputation(), [...setup('job-2'), ...setup()]);
  t.deepEqual(
    reputationOf(state, w1).map((e) => [e.job, e.role]),
    [
      [jobId, 'worker'],
      ['job-2', 'worker'],
    ],
  );
  t.deepEqual(reputationOf(state, '0xnobody'), []);
});

test('given addresses that are also Object.prototype names, then they are plain keys', (t) => {
  const state = applyReputationEvents(createReputation(), [
    at(0, { type: 'jobRegistered', admin: '__proto__' }, '__proto__'),
    at(1, { type: 'nodeApproved', node: 'constructor', role: 'worker', parent: '__proto__' }, '__proto__'),
    at(2, { type: 'ranked', request: 'toString', evaluator: 'e', ranking: ['constructor', 'hasOwnProperty'] }, '__proto__'),
  ]);
  t.deepEqual(childrenOf(state, '__proto__', '__proto__'), ['constructor']);
  t.is(Object.getPrototypeOf(state.jobs), Object.prototype);
  const again = applyReputationEvents(loadReputation(JSON.parse(JSON.stringify(state))), [
    at(3, { type: 'nodeDropped', node: 'constructor', role: 'worker', by: '__proto__' }, '__proto__'),
  ]);
  t.is(reputationOf(again, 'constructor')[0]!.drops, 1);
  t.is(reputationOf(again, 'hasOwnProperty')[0]!.rating, 1484);
});

test('given a history folded at once, in two chunks, or through a snapshot, then the JSON is identical', (t) => {
  const events = history();
  const whole = JSON.stringify(applyReputationEvents(createReputation(), events));
  t.is(JSON.stringify(applyReputationEvents(createReputation(), events)), whole, 'folding twice');
  for (const cut of [1, 9, 17, events.length - 1]) {
    const first = applyReputationEvents(createReputation(), events.slice(0, cut));
    const resumed = loadReputation(JSON.parse(JSON.stringify(snapshotReputation(first))));
    t.is(JSON.stringify(applyReputationEvents(first, events.slice(cut))), whole, `chunked at ${cut}`);
    t.is(JSON.stringify(applyReputationEvents(resumed, events.slice(cut))), whole, `resumed from a snapshot at ${cut}`);
  }
});

test('loadReputation refuses what is not a reputation snapshot with BAD_SNAPSHOT, and createReputation a bad K', (t) => {
  for (const bad of [
    null,
    [],
    { version: 2 },
    { version: 1, kFactor: 32, initialRating: 1500 },
    { version: 1, kFactor: 32, initialRating: 1500, jobs: { j: { nodes: {} } } },
  ]) {
    t.true(
      isAinError(
        t.throws(() => loadReputation(bad)),
        'BAD_SNAPSHOT',
      ),
    );
  }
  t.true(
    isAinError(
      t.throws(() => createReputation({ kFactor: Number.NaN })),
      'BAD_CONFIG',
    ),
  );
  t.deepEqual(loadReputation(createReputation()), createReputation());
});

test('given a worker its client rejected, then it counts the rejection and its set-aside result is not rejected again at settlement', (t) => {
  const events = [
    ...setup(),
    at(1000, { type: 'requested', request: 'r6', client, reward: '10' }),
    at(1100, { type: 'accepted', request: 'r6', node: w1, role: 'worker' }),
    at(1200, { type: 'submitted', request: 'r6', node: w1, responseMs: 100 }),
    at(1300, { type: 'workerRejected', request: 'r6', node: w1, client, reason: 'its reputation' }),
    at(9000, { type: 'refunded', request: 'r6', client, evaluator: null, payouts: [], reason: 'challengeUpheld', latencyMs: 8000 }),
  ];
  t.like(entryOf(events, w1), { rejectedByClients: 1, submitted: 1, rejected: 0 });
});
