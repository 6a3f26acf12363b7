import test from 'ava';
import { applyDashboardEvents, createDashboard, loadDashboard, percentileOf, snapshotDashboard, statsLine, type JobEvent } from '../../../projections/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { admin, at, client, evaluator, jobId, settledRequest, setup, upheldChallenge, w1, w2, w3 } from '../reputation/jobEvents.ts';

const history = (): JobEvent[] => [
  ...setup(),
  ...settledRequest(),
  ...upheldChallenge(),
  at(20_000, { type: 'nodeDropped', node: w3, role: 'worker', by: admin }),
];
const fold = (events: JobEvent[], dashboard = createDashboard()) => applyDashboardEvents(dashboard, events);
const settle = (timeMs: number, request: string, latencyMs: number): JobEvent =>
  at(timeMs, { type: 'settled', request, client, evaluator: null, payouts: [], latencyMs, unpaid: [] });

test('given a settled request and a refunded one, then the job counts requests, outcomes, nodes and what it paid', (t) => {
  const job = fold(history()).jobs[jobId]!;
  t.like(job, {
    admin,
    requests: 2,
    openRequests: 0,
    settled: 1,
    refunded: 1,
    challenged: 1,
    admins: 1,
    evaluators: 1,
    workers: 2,
    dropped: 1,
    workersBusy: 0,
    rewardsPaid: '35',
    feesPaid: '3',
    throughputPerMinute: 1,
  });
  t.deepEqual(
    job.latency,
    { count: 1, sumMs: 5000, minMs: 5000, maxMs: 5000, p50Ms: 5000, p95Ms: 5000, p99Ms: 5000, samplesMs: [5000] },
    'a refund is no settlement latency',
  );
  t.deepEqual(job.open, {});
  t.deepEqual(job.busy, {});
});

test('given requests still open, then the queue and the busy workers count them until they settle', (t) => {
  const r1 = settledRequest('r1', 1000);
  const dashboard = fold([...setup(), ...r1.slice(0, -1)]);
  t.like(dashboard.jobs[jobId], { openRequests: 1, workersBusy: 3 });
  fold(
    [at(5000, { type: 'requested', request: 'r3', client, reward: '1' }), at(5100, { type: 'accepted', request: 'r3', node: w1, role: 'worker' })],
    dashboard,
  );
  t.like(dashboard.jobs[jobId], { requests: 2, openRequests: 2, workersBusy: 3 });
  fold(r1.slice(-1), dashboard);
  t.like(dashboard.jobs[jobId], { openRequests: 1, workersBusy: 1, settled: 1 });
  t.deepEqual(dashboard.jobs[jobId]!.busy, { [w1]: 1 });
});

test('given a forfeited deposit, then the evaluator lost it, the client won it, and profitability is earned minus lost minus fees paid', (t) => {
  const { nodes } = fold(history());
  t.deepEqual(nodes[evaluator], {
    rewardsEarned: '5',
    feesEarned: '0',
    challengeFeesEarned: '0',
    depositsWon: '0',
    depositsLost: '100',
    feesPaid: '0',
    earned: '5',
    profitability: '-95',
  });
  t.like(
    nodes[client],
    { depositsWon: '100', challengeFeesEarned: '0', feesPaid: '3', earned: '100', profitability: '97' },
    'a refund and its own challenge fee back earn nothing; it paid the job fee',
  );
  t.like(nodes[w1], { rewardsEarned: '20', earned: '20', profitability: '20' });
  t.like(nodes[w2], { rewardsEarned: '10', profitability: '10' });
  t.like(nodes[admin], { feesEarned: '3', profitability: '3' });
  t.is(nodes[w3], undefined, 'an unpaid worker earned nothing');
});

test('given amounts beyond 2^53, then the sums stay exact (bigint, never floats)', (t) => {
  const big = '9007199254740993';
  const payouts = [
    { to: w1, amount: big, kind: 'reward' as const },
    { to: w1, amount: big, kind: 'fee' as const },
    { to: w1, amount: '1', kind: 'challengeFee' as const },
    { to: w2, amount: big, kind: 'deposit' as const },
  ];
  const { nodes } = fold([at(1, { type: 'settled', request: 'r', client, evaluator: w1, payouts, latencyMs: 1, unpaid: [] })]);
  t.like(nodes[w1], { earned: '18014398509481987', depositsLost: big, profitability: '9007199254740994' });
  t.like(nodes[w2], { depositsWon: big, profitability: big });
});

test('given latencies 1 to 100 in any order, then p50 is 50, p95 95 and p99 99 (nearest rank), with count, sum, min and max', (t) => {
  const order = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
  const { latency } = fold(order.map((latencyMs, i) => settle(i, `r${i}`, latencyMs))).jobs[jobId]!;
  t.like(latency, { count: 100, sumMs: 5050, minMs: 1, maxMs: 100, p50Ms: 50, p95Ms: 95, p99Ms: 99 });
  t.is(percentileOf([10, 20, 30, 40], 50), 20);
  t.is(percentileOf([7], 99), 7);
  t.is(percentileOf([], 50), null);
});

test('given more latencies than the reservoir holds, then percentiles cover the last ones and count, sum, min and max all', (t) => {
  const events = Array.from({ length: 1500 }, (_, i) => settle(i, `r${i}`, i + 1));
  const { latency } = fold(events).jobs[jobId]!;
  // Kept: 501..1500; p50 is the 500th of those (1000), p95 the 950th (1450), p99 the 990th (1490).
  t.like(latency, { count: 1500, sumMs: 1_125_750, minMs: 1, maxMs: 1500, p50Ms: 1000, p95Ms: 1450, p99Ms: 1490 });
  t.is(latency.samplesMs.length, 1000);
  t.is(latency.samplesMs[0], 501);
  t.deepEqual(fold(events.slice(0, 20), createDashboard({ latencySamplesMax: 4 })).jobs[jobId]!.latency.samplesMs, [17, 18, 19, 20]);
});

test('given settlements over time, then throughput counts those in the last window of block time before the latest event', (t) => {
  const dashboard = fold([settle(0, 'a', 1), settle(30_000, 'b', 1), settle(59_000, 'c', 1), settle(61_000, 'd', 1), settle(61_000, 'e', 1)]);
  t.is(dashboard.jobs[jobId]!.throughputPerMinute, 4, 'the one at 0 is more than 60 s before 61 s');
  t.deepEqual(
    dashboard.jobs[jobId]!.settlements,
    [
      [30_000, 1],
      [59_000, 1],
      [61_000, 2],
    ],
    'one entry per block time',
  );
  fold([at(100_000, { type: 'requested', request: 'f', client, reward: '1' }, 'job-2')], dashboard);
  t.is(dashboard.jobs[jobId]!.throughputPerMinute, 3, 'time passing in another job ages this one too');
  const halfMinute = fold([settle(0, 'a', 1), settle(20_000, 'b', 1), settle(40_000, 'c', 1)], createDashboard({ throughputWindowMs: 30_000 }));
  t.is(halfMinute.jobs[jobId]!.throughputPerMinute, 4, 'two settlements in 30 s are four a minute');
});

test("statsLine prints approved evaluators and approved workers, as the paper's console does", (t) => {
  t.is(statsLine(fold(setup()), jobId), '1 evaluator, 3 workers running');
  t.is(statsLine(fold(history()), jobId), '1 evaluator, 2 workers running', 'a dropped worker no longer runs');
  const many = [...setup()];
  for (let i = 0; i < 97; i++) many.push(at(300, { type: 'nodeApproved', node: `0xw${i}x`, role: 'worker', parent: admin }));
  for (const node of ['0xe2', '0xe3']) many.push(at(300, { type: 'nodeApproved', node, role: 'evaluator', parent: admin }));
  many.push(at(400, { type: 'nodeDropped', node: w1, role: 'worker', by: admin }), at(400, { type: 'nodeApproved', node: w1, role: 'worker', parent: admin }));
  t.is(statsLine(fold(many), jobId), '3 evaluators, 100 workers running', 'approved again after a drop counts once');
  t.is(statsLine(fold([]), 'no-such-job'), '0 evaluators, 0 workers running');
});

test('given a history folded at once, in two chunks, or through a snapshot, then the JSON is identical', (t) => {
  const events = [...history(), ...Array.from({ length: 30 }, (_, i) => settle(20_000 + i * 5000, `s${i}`, 100 + ((i * 7) % 13)))];
  const whole = JSON.stringify(fold(events));
  t.is(JSON.stringify(fold(events)), whole, 'folding twice');
  for (const cut of [1, 12, 25, events.length - 10, events.length - 1]) {
    const first = fold(events.slice(0, cut));
    const resumed = loadDashboard(JSON.parse(JSON.stringify(snapshotDashboard(first))));
    t.is(JSON.stringify(fold(events.slice(cut), first)), whole, `chunked at ${cut}`);
    t.is(JSON.stringify(fold(events.slice(cut), resumed)), whole, `resumed from a snapshot at ${cut}`);
  }
});

test('loadDashboard refuses what is not a dashboard snapshot, and createDashboard a bad limit', (t) => {
  const good = snapshotDashboard(fold(history()));
  for (const bad of [
    null,
    { ...good, version: 0 },
    { ...good, nodes: [] },
    { ...good, latencySamplesMax: '1000' },
    { ...good, jobs: { [jobId]: { ...good.jobs[jobId], busy: null } } },
  ]) {
    t.true(
      isAinError(
        t.throws(() => loadDashboard(bad)),
        'BAD_SNAPSHOT',
      ),
    );
  }
  t.true(
    isAinError(
      t.throws(() => createDashboard({ latencySamplesMax: 0 })),
      'BAD_CONFIG',
    ),
  );
  t.deepEqual(loadDashboard(good), good);
});

test('given a snapshot written before p95 was kept, then loading it gives the p95 of its samples, and a resumed fold the same JSON as one fold', (t) => {
  const events = Array.from({ length: 40 }, (_, i) => settle(i, `r${i}`, 40 - i));
  const whole = JSON.stringify(fold(events));
  const first = snapshotDashboard(fold(events.slice(0, 30)));
  const { p95Ms: _dropped, ...older } = first.jobs[jobId]!.latency;
  const loaded = loadDashboard({ ...first, jobs: { [jobId]: { ...first.jobs[jobId]!, latency: older } } });
  t.is(loaded.jobs[jobId]!.latency.p95Ms, first.jobs[jobId]!.latency.p95Ms);
  t.is(JSON.stringify(fold(events.slice(30), loaded)), whole);
});

test('given a rejected challenge, then its resolver earned the challenge fee; an upheld one pays the resolver nothing', (t) => {
  const rejected = at(30_000, {
    type: 'challengeResolved',
    request: 'r7',
    upheld: false,
    evaluator,
    client,
    challenger: client,
    resolver: admin,
    payouts: [{ to: admin, amount: '2', kind: 'challengeFee' }],
  });
  const upheld = at(31_000, { type: 'challengeResolved', request: 'r8', upheld: true, evaluator, client, challenger: client, resolver: admin, payouts: [] });
  const { nodes } = fold([...setup(), rejected, upheld]);
  t.like(nodes[admin], { challengeFeesEarned: '2', earned: '2', profitability: '2' });
  t.like(nodes[client], { feesPaid: '2', profitability: '-2' }, 'the client lost its challenge fee');
});

test('given a worker the client rejected, then it no longer counts as busy on that request', (t) => {
  const dashboard = fold([
    ...setup(),
    at(1000, { type: 'requested', request: 'r5', client, reward: '1' }),
    at(1100, { type: 'accepted', request: 'r5', node: w1, role: 'worker' }),
    at(1100, { type: 'accepted', request: 'r5', node: w2, role: 'worker' }),
  ]);
  t.like(dashboard.jobs[jobId], { workersBusy: 2 });
  fold([at(1200, { type: 'workerRejected', request: 'r5', node: w1, client })], dashboard);
  t.like(dashboard.jobs[jobId], { workersBusy: 1, openRequests: 1 });
  t.deepEqual(dashboard.jobs[jobId]!.open, { r5: [w2] });
  fold([settle(2000, 'r5', 1000)], dashboard);
  t.like(dashboard.jobs[jobId], { workersBusy: 0, openRequests: 0 });
});
