import test from 'ava';
import { applyReputationEvents, createReputation, eloExpectedScore, eloRankingDeltas, reputationOf, roundRating } from '../../../projections/index.ts';
import { at, jobId } from './jobEvents.ts';

const ratingsOf = (state: ReturnType<typeof createReputation>, players: string[]): number[] =>
  players.map((p) => reputationOf(state, p).find((e) => e.job === jobId)!.rating);
const rank = (timeMs: number, ranking: string[]) => at(timeMs, { type: 'ranked', request: `r${timeMs}`, evaluator: '0xe', ranking });

test('given two players rated 1500 and K=32, when one ranks above the other, then the winner has 1516 and the loser 1484', (t) => {
  // E = 1/(1+10^0) = 0.5; winner 1500 + 32(1 − 0.5) = 1516; loser 1500 + 32(0 − 0.5) = 1484.
  t.is(eloExpectedScore(1500, 1500), 0.5);
  t.deepEqual(
    eloRankingDeltas(['a', 'b'], () => 1500, 32),
    [
      ['a', 16],
      ['b', -16],
    ],
  );
  const state = applyReputationEvents(createReputation(), [rank(1, ['a', 'b'])]);
  t.deepEqual(ratingsOf(state, ['a', 'b']), [1516, 1484]);
});

test('given three workers at 1500, when ranked a > b > c, then every pair counts against the ratings before the ranking', (t) => {
  // Pairs (a,b), (a,c), (b,c), each E = 0.5, each a 16-point game:
  //   a: +16 +16 = 1532;  b: −16 +16 = 1500;  c: −16 −16 = 1468.
  // Played one after the other instead, (a,b) first would give 1531.263693 / 1500.033908 / 1468.702399.
  const state = applyReputationEvents(createReputation(), [rank(1, ['a', 'b', 'c'])]);
  t.deepEqual(ratingsOf(state, ['a', 'b', 'c']), [1532, 1500, 1468]);
});

test('given ratings 1532 / 1500 / 1468, when the ranking is reversed, or only c beats a, then the hand-computed ratings follow', (t) => {
  // Reversed, c > b > a, from a 1532, b 1500, c 1468 (10^0.08 = 1.2022644, 10^0.16 = 1.4454398):
  //   E(c vs b) = E(b vs a) = 1/(1+10^(32/400)) = 0.4540781;  E(c vs a) = 1/(1+10^(64/400)) = 0.4089244
  //   c: 32(1 − 0.4540781) + 32(1 − 0.4089244) = 17.4695015 + 18.9144191 = +36.3839206 → 1504.383921
  //   b: −17.4695015 + 32(1 − 0.4540781) = 0 → 1500
  //   a: −18.9144191 − 17.4695015 = −36.3839206 → 1495.616079
  const reversed = applyReputationEvents(createReputation(), [rank(1, ['a', 'b', 'c']), rank(2, ['c', 'b', 'a'])]);
  t.deepEqual(ratingsOf(reversed, ['a', 'b', 'c']), [1495.616079, 1500, 1504.383921]);
  // Instead c > a alone: E(c vs a) = 0.4089244, c: 1468 + 32(1 − 0.4089244) = 1486.914419, a: 1513.085581.
  const single = applyReputationEvents(createReputation(), [rank(1, ['a', 'b', 'c']), rank(2, ['c', 'a'])]);
  t.deepEqual(ratingsOf(single, ['a', 'b', 'c']), [1513.085581, 1500, 1486.914419]);
});

test('given K=16 and an initial rating of 1000, when one game is played, then the ratings move by 8 around 1000', (t) => {
  const state = applyReputationEvents(createReputation({ kFactor: 16, initialRating: 1000 }), [rank(1, ['a', 'b'])]);
  t.deepEqual(ratingsOf(state, ['a', 'b']), [1008, 992]);
});

test('given rankings with one worker or a worker listed twice, then a lone worker plays no game and a repeat counts at its first place', (t) => {
  const state = applyReputationEvents(createReputation(), [rank(1, ['a']), rank(2, ['b', 'c', 'b'])]);
  t.deepEqual(ratingsOf(state, ['a', 'b', 'c']), [1500, 1516, 1484]);
  t.deepEqual(
    ['a', 'b', 'c'].map((p) => reputationOf(state, p)[0]!.games),
    [0, 1, 1],
  );
});

test('the deltas of a ranking sum to zero, and the rating rounding never yields -0', (t) => {
  const deltas = eloRankingDeltas(['a', 'b', 'c', 'd'], (p) => ({ a: 1400, b: 1710.5, c: 1500, d: 1333.3 })[p]!, 32);
  t.true(Math.abs(deltas.reduce((sum, [, d]) => sum + d, 0)) < 1e-9);
  t.true(Object.is(roundRating(-1e-9), 0));
  t.is(roundRating(1516.00000000004), 1516);
});
