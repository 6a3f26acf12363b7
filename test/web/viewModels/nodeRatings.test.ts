import test from 'ava';
import type { NodeReputation } from '../../../schemas/index.ts';
import { applyNodeRatings, eloSeries, initialNodeRatings, type RatingPoint } from '../../../web/viewModels/index.ts';

// A node's page: its reputation per job and its Elo over time, from REST and its reputation stream.

const hex = (n: number) => n.toString(16).padStart(64, '0');
const addr = (n: number) => '0x' + n.toString(16).padStart(40, '0');
const me = addr(1);
const reputation = (rating: number, games: number): NodeReputation => ({
  role: 'worker',
  status: 'approved',
  parent: addr(9),
  children: [],
  jobsDone: games,
  accepted: games,
  submitted: games,
  paid: games,
  rejected: 0,
  acceptanceRatio: games === 0 ? null : 1,
  rejectionRatio: games === 0 ? null : 0,
  responseMsTotal: 0,
  responseMsAverage: null,
  challengesWon: 0,
  challengesLost: 0,
  drops: 0,
  rating,
  games,
});
const point = (height: number, rating: number, job = hex(1), games = height): RatingPoint => ({ height, time: height * 1000, job, rating, games });

test('node: REST rows and history, then stream entries that move the rating add points; a replayed block adds nothing; other nodes are left out', (t) => {
  let state = applyNodeRatings(initialNodeRatings(me), { type: 'node', height: 5, jobs: [{ job: hex(1), ...reputation(1516, 1) }] });
  state = applyNodeRatings(state, { type: 'history', points: [point(3, 1500), point(5, 1516)] });
  const block = (height: number, rating: number, games: number) => ({
    type: 'reputation' as const,
    data: {
      height,
      entries: [
        { job: hex(1), node: me, ...reputation(rating, games) },
        { job: hex(1), node: addr(2), ...reputation(3000 - rating, games) },
      ],
    },
  });
  state = applyNodeRatings(state, block(7, 1530, 2));
  state = applyNodeRatings(state, block(7, 1530, 2));
  state = applyNodeRatings(state, block(8, 1530, 2)); // its counts moved, not its rating or games: no point
  t.is(state.height, 8);
  t.is(state.jobs[hex(1)]!.rating, 1530);
  t.deepEqual(
    state.points.map((p) => [p.height, p.rating]),
    [
      [3, 1500],
      [5, 1516],
      [7, 1530],
    ],
  );
});

test('node: the chart’s series are one per job, aligned on the heights, each carried forward from its last point', (t) => {
  const state = applyNodeRatings(initialNodeRatings(me), {
    type: 'history',
    points: [point(2, 1500), point(4, 1500, hex(2)), point(6, 1516), point(7, 1490, hex(2))],
  });
  const { jobs, data } = eloSeries(state);
  t.deepEqual(jobs, [hex(1), hex(2)]);
  t.deepEqual(data, [
    [2, 4, 6, 7],
    [1500, 1500, 1516, 1516],
    [null, 1500, 1500, 1490],
  ]);
  t.deepEqual(eloSeries(initialNodeRatings(me)).data, [[]]);
});
