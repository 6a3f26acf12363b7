import test from 'ava';
import fc from 'fast-check';
import { applyRatingHistory, createRatingHistory, ratingHistoryOf, type RatedEntry } from '../../../projections/index.ts';
import { isAinError } from '../../../schemas/index.ts';

// Elo over time: each node's rating after each block that changed it, bounded per node and in nodes.

const hex = (n: number) => n.toString(16).padStart(64, '0');
const addr = (n: number) => '0x' + n.toString(16).padStart(40, '0');
const rated = (node: number, rating: number, games: number, job = hex(1)): RatedEntry => ({ job, node: addr(node), rating, games });

test('given blocks that rank two workers, then each has a point per block that moved its rating or games, with the block’s height and time', (t) => {
  const history = createRatingHistory();
  applyRatingHistory(history, 3, 3000, [rated(1, 1500, 0), rated(2, 1500, 0)]);
  applyRatingHistory(history, 4, 4000, [rated(1, 1500, 0)]); // its counts moved, not its rating: no point
  applyRatingHistory(history, 5, 5000, [rated(1, 1516, 1), rated(2, 1484, 1)]);
  applyRatingHistory(history, 6, 6000, [rated(1, 1500, 2), rated(1, 1500, 0, hex(2))]);
  t.deepEqual(
    ratingHistoryOf(history, addr(1)).map((p) => [p.height, p.time, p.rating, p.games, p.job === hex(1) ? 1 : 2]),
    [
      [3, 3000, 1500, 0, 1],
      [5, 5000, 1516, 1, 1],
      [6, 6000, 1500, 2, 1],
      [6, 6000, 1500, 0, 2],
    ],
  );
  t.deepEqual(
    ratingHistoryOf(history, addr(1), { job: hex(1), limit: 2 }).map((p) => p.height),
    [5, 6],
  );
  t.deepEqual(ratingHistoryOf(history, addr(9)), []);
});

test('given more points or nodes than it keeps, then it forgets the oldest points and the node changed longest ago', (t) => {
  const history = createRatingHistory({ pointsMax: 3, nodesMax: 2 });
  for (let h = 1; h <= 5; h++) applyRatingHistory(history, h, h * 1000, [rated(1, 1500 + h, h)]);
  t.deepEqual(
    ratingHistoryOf(history, addr(1)).map((p) => p.height),
    [3, 4, 5],
  );
  applyRatingHistory(history, 6, 6000, [rated(2, 1500, 0)]);
  applyRatingHistory(history, 7, 7000, [rated(1, 1400, 6)]); // node 1 changed last: node 2 goes first
  applyRatingHistory(history, 8, 8000, [rated(3, 1500, 0)]);
  t.deepEqual([...history.nodes.keys()], [addr(1), addr(3)]);
  t.true(
    isAinError(
      t.throws(() => createRatingHistory({ pointsMax: 0 })),
      'BAD_CONFIG',
    ),
  );
});

test('whatever the blocks, it keeps its bounds, and a kept node’s last point in a job is its latest rating there', (t) => {
  const block = fc.array(fc.record({ node: fc.integer({ min: 1, max: 6 }), rating: fc.integer({ min: 1400, max: 1600 }), games: fc.nat(20) }), {
    maxLength: 6,
  });
  fc.assert(
    fc.property(fc.array(block, { maxLength: 30 }), (blocks) => {
      const history = createRatingHistory({ pointsMax: 8, nodesMax: 4 });
      const latest = new Map<string, number>();
      blocks.forEach((entries, i) => {
        const seen = new Set<number>();
        const once = entries.filter((e) => !seen.has(e.node) && seen.add(e.node)).map((e) => rated(e.node, e.rating, e.games));
        applyRatingHistory(history, i + 1, (i + 1) * 1000, once);
        for (const e of once) latest.set(e.node, e.rating);
      });
      const nodes = [...history.nodes];
      return (
        nodes.length <= 4 &&
        nodes.every(([node, points]) => points.length >= 1 && points.length <= 8 && points.at(-1)!.rating === latest.get(node)) &&
        nodes.every(([, points]) => points.every((p, i) => i === 0 || points[i - 1]!.height <= p.height))
      );
    }),
  );
  t.pass();
});
