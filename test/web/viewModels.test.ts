import test from 'ava';
import fc from 'fast-check';
import { join } from 'node:path';
import type { BlockEvent, JobDashboardView, JobEvent } from '../../schemas/index.ts';
import {
  applyChain,
  applyConnection,
  applyJobs,
  applyReputation,
  applyRequest,
  chainPointsMax,
  createFrameBatcher,
  initialChain,
  initialConnection,
  initialJobs,
  initialReputation,
  initialRequest,
  jobRows,
  payoutTotals,
  reputationRows,
  rewardsPaidTotal,
  stepsOf,
  type RequestRecord,
} from '../../web/viewModels/index.ts';
import { importGraph } from '../importGraph.ts';

// The dashboard's view models: pure reducers (event → state), folded here without a browser.

const hex = (n: number) => n.toString(16).padStart(64, '0');
const addr = (n: number) => '0x' + n.toString(16).padStart(40, '0');
const block = (height: number, finalized = height - 1, txs = 2): BlockEvent =>
  ({
    height,
    hash: hex(height),
    header: { height, time: 1000 * height, proposer: addr(1) } as BlockEvent['header'],
    txs,
    finalized: { height: finalized, hash: hex(finalized) },
    jobEvents: 1,
  }) as BlockEvent;

test('chain: blocks move the height, finality and lag; a replayed block replaces itself; the chart keeps the last 300', (t) => {
  let state = applyChain(initialChain, { type: 'status', status: { chain: 'ain-local', height: 3, finalized: 1 } });
  t.like(state, { chain: 'ain-local', height: 3, finalHeight: 1, finalityLag: 2 });
  state = applyChain(state, { type: 'block', data: block(4, 3) });
  state = applyChain(state, { type: 'block', data: block(4, 3, 7) });
  t.like(state, { height: 4, finalHeight: 3, finalityLag: 1 });
  t.deepEqual(
    state.points.map((p) => [p.height, p.txs]),
    [[4, 7]],
  );
  state = applyChain(state, { type: 'finality', data: { height: 5, finalized: { height: 4, hash: hex(4) } } });
  t.is(state.finalityLag, 0);
  for (let h = 5; h <= 400; h++) state = applyChain(state, { type: 'block', data: block(h) });
  t.is(state.points.length, chainPointsMax);
  t.is(state.points[0]!.height, 400 - chainPointsMax + 1);
  // Blocks read over REST land in the same points.
  const read = applyChain(initialChain, {
    type: 'history',
    blocks: [{ header: { height: 7, time: 7000, proposer: addr(1) }, txs: [1, 2, 3], jobEvents: [], finalized: { height: 6 } }],
  });
  t.like(read, { height: 7, finalHeight: 6, points: [{ height: 7, txs: 3, jobEvents: 0 }] });
});

test('chain: whatever order blocks arrive in, the height never goes back and points stay ascending', (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 500 }), { maxLength: 200 }), (heights) => {
      const state = heights.reduce((s, h) => applyChain(s, { type: 'block', data: block(h) }), initialChain);
      const sorted = state.points.every((p, i, all) => i === 0 || all[i - 1]!.height < p.height);
      return sorted && state.height === Math.max(0, ...heights);
    }),
  );
  t.pass();
});

test('connection: the banner says when the node is unreachable or ended a stream, and clears when it is back', (t) => {
  let state = applyConnection(initialConnection, { type: 'open' });
  t.like(state, { status: 'live', message: '', reconnects: 0 });
  state = applyConnection(state, { type: 'unreachable', node: 'http://127.0.0.1:1' });
  t.is(state.status, 'unreachable');
  t.regex(state.message, /cannot be reached.*Retrying/);
  state = applyConnection(state, { type: 'ended', code: 'SHUTTING_DOWN', message: 'The node is stopping.' });
  t.regex(state.message, /SHUTTING_DOWN/);
  t.like(applyConnection(state, { type: 'open' }), { status: 'live', message: '', reconnects: 1 });
});

const board = (over: Partial<JobDashboardView>): JobDashboardView => ({
  admin: addr(9),
  requests: 0,
  openRequests: 0,
  settled: 0,
  refunded: 0,
  challenged: 0,
  admins: 1,
  evaluators: 1,
  workers: 2,
  dropped: 0,
  workersBusy: 0,
  throughputPerMinute: 0,
  latency: { count: 0, sumMs: 0, minMs: null, maxMs: null, p50Ms: null, p95Ms: null, p99Ms: null },
  rewardsPaid: '0',
  feesPaid: '0',
  ...over,
});

test('jobs: the snapshot gives the rows, a dashboard event moves their state and figures, an older one is left out', (t) => {
  let state = applyJobs(initialJobs, {
    type: 'snapshot',
    height: 5,
    jobs: [
      { id: hex(1), admin: addr(9), registeredAt: 2, dashboard: board({}) },
      { id: hex(2), admin: addr(9), registeredAt: 3, dashboard: null },
    ],
  });
  t.deepEqual(
    jobRows(state).map((r) => [r.state, r.stats]),
    [
      ['ready', '1 evaluator, 2 workers running'],
      ['unstaffed', '0 evaluators, 0 workers running'],
    ],
  );
  state = applyJobs(state, { type: 'dashboard', data: { height: 4, jobs: { [hex(1)]: board({ openRequests: 9 }) }, nodes: {} } });
  t.is(state.jobs[hex(1)]!.state, 'ready');
  state = applyJobs(state, { type: 'dashboard', data: { height: 6, jobs: { [hex(1)]: board({ openRequests: 1, rewardsPaid: '30' }) }, nodes: {} } });
  t.is(state.jobs[hex(1)]!.state, 'open');
  t.is(state.jobs[hex(1)]!.registeredAt, 2);
  t.deepEqual(
    jobRows(state, 'open').map((r) => r.id),
    [hex(1)],
  );
  t.is(rewardsPaidTotal(state), '30');
});

test('reputation: entries from REST and the stream, sorted by Elo (nulls last) and filtered by role', (t) => {
  const entry = (rating: number, games: number, role: 'worker' | 'evaluator' = 'worker', acceptanceRatio: number | null = null) => ({
    role,
    status: 'approved' as const,
    parent: null,
    children: [],
    jobsDone: 0,
    accepted: 0,
    submitted: 0,
    paid: 0,
    rejected: 0,
    acceptanceRatio,
    rejectionRatio: null,
    responseMsTotal: 0,
    responseMsAverage: null,
    challengesWon: 0,
    challengesLost: 0,
    drops: 0,
    rating,
    games,
  });
  let state = applyReputation(initialReputation, { type: 'node', height: 3, node: addr(1), jobs: [{ job: hex(1), ...entry(1200, 0, 'worker', 0.5) }] });
  state = applyReputation(state, { type: 'node', height: 3, node: addr(3), jobs: [{ job: hex(1), ...entry(1200, 0, 'evaluator') }] });
  state = applyReputation(state, {
    type: 'reputation',
    data: {
      height: 4,
      entries: [
        { job: hex(1), node: addr(2), ...entry(1216, 1) },
        { job: hex(1), node: addr(1), ...entry(1184, 1, 'worker', 1) },
      ],
    },
  });
  t.is(state.height, 4);
  t.deepEqual(
    reputationRows(state, { by: 'rating', descending: true }).map((r) => [r.node, r.rating]),
    [
      [addr(2), 1216],
      [addr(3), 1200],
      [addr(1), 1184],
    ],
  );
  t.deepEqual(
    reputationRows(state, { by: 'acceptanceRatio', descending: false, role: 'worker' }).map((r) => r.node),
    [addr(1), addr(2)],
  );
});

const request = hex(77);
const job = hex(1);
const ev = (height: number, e: Record<string, unknown>) => ({ job, request, height, time: height * 1000, ...e }) as JobEvent;

test('request: the stepper reaches each state at its block, one lane per worker, payouts by kind; a replayed block counts once', (t) => {
  const blocks: [number, JobEvent[]][] = [
    [2, [ev(2, { type: 'requested', client: addr(5), reward: '30' })]],
    [3, [ev(3, { type: 'accepted', node: addr(3), role: 'evaluator' }), ev(3, { type: 'accepted', node: addr(1), role: 'worker' })]],
    [4, [ev(4, { type: 'accepted', node: addr(2), role: 'worker' }), ev(4, { type: 'submitted', node: addr(1), responseMs: 1000 })]],
    [5, [ev(5, { type: 'submitted', node: addr(2), responseMs: 1000 })]],
    [7, [ev(7, { type: 'ranked', evaluator: addr(3), ranking: [addr(2), addr(1)] })]],
    [
      8,
      [
        ev(8, {
          type: 'settled',
          client: addr(5),
          evaluator: addr(3),
          latencyMs: 6000,
          unpaid: [addr(1)],
          payouts: [
            { to: addr(2), amount: '20', kind: 'reward' },
            { to: addr(3), amount: '10', kind: 'reward' },
            { to: addr(3), amount: '5', kind: 'deposit' },
            { to: addr(9), amount: '1', kind: 'fee' },
          ],
        }),
      ],
    ],
  ];
  let state = initialRequest(request);
  for (const [height, events] of [...blocks, blocks[2]!]) state = applyRequest(state, { type: 'jobs', height, events });
  t.is(state.state, 'settled');
  t.deepEqual(stepsOf(state), ['requested', 'accepted', 'running', 'ranking', 'ranked', 'settled']);
  t.deepEqual(state.reached.running, { height: 3, time: 3000 });
  t.deepEqual(state.reached.ranking, { height: null, time: null });
  t.deepEqual(
    state.lanes.filter((l) => l.accepted !== null && l.node !== addr(3)).map((l) => [l.node, l.rank, l.paid, l.submitted?.responseMs]),
    [
      [addr(1), 2, '0', 1000],
      [addr(2), 1, '20', 1000],
    ],
  );
  t.deepEqual(payoutTotals(state), { reward: '30', deposit: '5', fee: '1' });
  // The record read later does not move the state back.
  const record = {
    id: request,
    state: 'ranked',
    job,
    client: addr(5),
    reward: ['10', '20'],
    workers: {},
    ranking: [],
    refundReason: null,
  } as unknown as RequestRecord;
  t.is(applyRequest(state, { type: 'record', record }).state, 'settled');
  t.is(applyRequest(initialRequest(request), { type: 'record', record }).state, 'ranked');
});

test('request: a refund replaces the last step and keeps its reason; events of other requests are left out', (t) => {
  let state = applyRequest(initialRequest(request), { type: 'jobs', height: 2, events: [ev(2, { type: 'requested', client: addr(5), reward: '30' })] });
  state = applyRequest(state, {
    type: 'jobs',
    height: 9,
    events: [
      ev(9, { type: 'requested', request: hex(78), client: addr(5), reward: '1' }),
      ev(9, {
        type: 'refunded',
        client: addr(5),
        evaluator: null,
        reason: 'noEvaluator',
        latencyMs: 7000,
        payouts: [{ to: addr(5), amount: '30', kind: 'refund' }],
      }),
    ],
  });
  t.like(state, { state: 'refunded', refundReason: 'noEvaluator' });
  t.is(stepsOf(state).at(-1), 'refunded');
});

test('the frame batcher folds every event queued between two frames in one flush, and at once past its bound', (t) => {
  const frames: (() => void)[] = [];
  const flushed: number[][] = [];
  const batcher = createFrameBatcher<number>(
    (callback) => frames.push(callback),
    (events) => flushed.push(events),
    5,
  );
  for (let i = 0; i < 3; i++) batcher.push(i);
  t.is(frames.length, 1);
  t.is(batcher.pending, 3);
  frames.shift()!();
  t.deepEqual(flushed, [[0, 1, 2]]);
  for (let i = 3; i < 8; i++) batcher.push(i);
  t.deepEqual(flushed.at(-1), [3, 4, 5, 6, 7]);
  frames.shift()!(); // the frame scheduled before the bound was hit finds nothing left
  t.is(flushed.length, 2);
});

test('the view models are browser-safe: no node module anywhere in their import graph', (t) => {
  const graph = [...importGraph(join(process.cwd(), 'web/viewModels/index.ts'))];
  t.deepEqual(
    graph.filter((m) => m.startsWith('node module') || m.startsWith('dynamic load')),
    [],
  );
});

test('the whole page is browser-safe: no node module anywhere in the import graph of web/app/main.ts', (t) => {
  const graph = [...importGraph(join(process.cwd(), 'web/app/main.ts'))];
  t.true(graph.some((m) => m.endsWith('verifyProofBrowser.ts')));
  t.deepEqual(
    graph.filter((m) => m.startsWith('node module') || m.startsWith('dynamic load')),
    [],
  );
});
