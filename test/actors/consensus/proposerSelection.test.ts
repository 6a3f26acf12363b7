import test from 'ava';
import fc from 'fast-check';
import { incrementProposerPriority, nextValidatorSet, proposerOf, proposerScheduleOf, validatorSetOf } from '../../../actors/index.ts';
import type { ValidatorSet } from '../../../schemas/index.ts';

/** Validator `i`: `0x00…0i`, so address order is number order. */
const addressOf = (i: number) => '0x' + i.toString(16).padStart(40, '0');

// CometBFT's weighted round robin (spec/consensus/proposer-selection.md): the documented examples,
// then fairness and determinism as properties.

const p = (i: number) => addressOf(i);
const setOf = (powers: readonly number[]) => validatorSetOf(powers.map((power, i) => ({ address: p(i + 1), power: String(power) })));
const priorities = (set: ValidatorSet) => set.validators.map((v) => Number(v.priority));

/** The proposers of `heights` heights in a row (round 0 each), as validator numbers. */
function sequence(set: ValidatorSet, heights: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < heights; h++) {
    out.push(parseInt(set.proposer.slice(2), 16));
    set = nextValidatorSet(set);
  }
  return out;
}

test('the spec’s stable set: powers 1 and 3 give p2, p1, p2, p2 and repeat, with the spec’s priorities', (t) => {
  t.deepEqual(sequence(setOf([1, 3]), 8), [2, 1, 2, 2, 2, 1, 2, 2]);
  const set = setOf([1, 3]);
  t.deepEqual(priorities(set), [1, -1], 'run 1: p2 moves back by the total');
  t.deepEqual(priorities(nextValidatorSet(set)), [-2, 2], 'run 2: a tie goes to the smaller address, p1');
});

test('powers 1, 2 and 3 propose 1, 2 and 3 times in every 6 heights', (t) => {
  t.deepEqual(sequence(setOf([1, 2, 3]), 12), [3, 2, 1, 3, 2, 3, 3, 2, 1, 3, 2, 3]);
});

test('equal stakes take turns in address order', (t) => {
  t.deepEqual(sequence(setOf([5, 5, 5, 5]), 8), [1, 2, 3, 4, 1, 2, 3, 4]);
});

test('the spec’s removal: p2 leaves a set of powers 1, 2, 3; centring puts p1 ahead and it proposes', (t) => {
  const last: ValidatorSet = {
    validators: [
      { address: p(1), power: '1', priority: '1' },
      { address: p(2), power: '2', priority: '2' },
      { address: p(3), power: '3', priority: '-3' },
    ],
    proposer: p(3),
  };
  const next = nextValidatorSet(last, [{ address: p(2), power: '0' }]);
  t.is(next.proposer, p(1));
  t.deepEqual(priorities(next), [-1, 1]);
});

test('a newcomer starts at −1.125 × the total power, behind everyone', (t) => {
  const last: ValidatorSet = {
    validators: [
      { address: p(1), power: '1', priority: '2' },
      { address: p(2), power: '3', priority: '-2' },
    ],
    proposer: p(1),
  };
  // p3 starts at −(12 + 12 >> 3) = −13; centring subtracts the average −13/3 rounded down as Go's
  // big.Int does (−5; the spec's table truncates to −4): 7, 3, −8; the run: 8, 6, 0, and p1 proposes.
  const next = nextValidatorSet(last, [{ address: p(3), power: '8' }]);
  t.is(next.proposer, p(1));
  t.deepEqual(priorities(next), [-4, 6, 0]);
});

test('priorities far apart are scaled into a window of twice the total power', (t) => {
  const far: ValidatorSet = {
    validators: [
      { address: p(1), power: '10', priority: '-60000' },
      { address: p(2), power: '10', priority: '45000' },
    ],
    proposer: p(2),
  };
  const next = incrementProposerPriority(far, 1);
  const [a, b] = priorities(next);
  t.true(Math.abs(a! - b!) <= 2 * 20 + 20);
});

test('round r’s proposer is r runs from the height’s set, and the schedule extends to the same list', (t) => {
  const set = setOf([1, 2, 3, 7]);
  const rounds = Array.from({ length: 20 }, (_, r) => proposerOf(set, r));
  t.is(rounds[0], set.proposer);
  t.deepEqual(proposerScheduleOf(set, 20).proposers, rounds);
  t.deepEqual(proposerScheduleOf(set, 20, proposerScheduleOf(set, 3)).proposers, rounds);
});

test('fairness: from a fresh set, each validator proposes exactly its power’s share of every P heights, and rounds are as fair', (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), (powers, cycles) => {
      const total = powers.reduce((a, b) => a + b, 0);
      const counts = new Map<number, number>();
      for (const who of sequence(setOf(powers), total * cycles)) counts.set(who, (counts.get(who) ?? 0) + 1);
      powers.forEach((power, i) => t.is(counts.get(i + 1) ?? 0, power * cycles));
      const byRound = new Map<string, number>();
      for (const who of proposerScheduleOf(setOf(powers), total * cycles).proposers) byRound.set(who, (byRound.get(who) ?? 0) + 1);
      powers.forEach((power, i) => t.true(Math.abs((byRound.get(p(i + 1)) ?? 0) - power * cycles) <= 1));
    }),
    { numRuns: 200 },
  );
});

test('determinism: the same set gives the same proposers, whatever the order validators are listed in', (t) => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 8, maxLength: 8 }),
      (ids, powers) => {
        const list = ids.map((id, i) => ({ address: p(id), power: String(powers[i]) }));
        const a = validatorSetOf(list);
        const b = validatorSetOf([...list].reverse());
        t.deepEqual(a, b);
        t.deepEqual(proposerScheduleOf(a, 30), proposerScheduleOf(b, 30));
      },
    ),
    { numRuns: 100 },
  );
});

/** Random batches of stake changes (last one per validator wins), each followed by `wait` heights without change. */
const aHistory = fc.array(
  fc.record({
    changes: fc.array(fc.record({ who: fc.integer({ min: 1, max: 8 }), power: fc.integer({ min: 0, max: 30 }) }), { maxLength: 3 }),
    wait: fc.nat(4),
  }),
  { maxLength: 10 },
);

/** Applies one batch at a height boundary; skipped when it would leave no validator. Also says who joined. */
function applyBatch(set: ValidatorSet, batch: readonly { who: number; power: number }[]): { set: ValidatorSet; joined: string[]; stayed: boolean } {
  const last = new Map(batch.map((c) => [p(c.who), String(c.power)]));
  const changes = [...last].map(([address, power]) => ({ address, power }));
  const stayed = set.validators.some((v) => last.get(v.address) !== '0');
  const joined = changes.filter((c) => c.power !== '0' && !set.validators.some((v) => v.address === c.address)).map((c) => c.address);
  if (!stayed && joined.length === 0) return { set, joined: [], stayed };
  return { set: nextValidatorSet(set, changes), joined, stayed };
}

test('fairness after random stake changes: in the next total-power heights (× k) each validator proposes its power (× k) ± 1 times', (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 6 }), aHistory, fc.integer({ min: 1, max: 2 }), (powers, history, k) => {
      let set = setOf(powers);
      for (const { changes, wait } of history) {
        set = applyBatch(set, changes).set;
        for (let i = 0; i < wait; i++) set = nextValidatorSet(set);
      }
      const total = set.validators.reduce((sum, v) => sum + Number(v.power), 0);
      const counts = new Map<string, number>();
      for (let h = 0; h < k * total; h++, set = nextValidatorSet(set)) counts.set(set.proposer, (counts.get(set.proposer) ?? 0) + 1);
      for (const v of set.validators) t.true(Math.abs((counts.get(v.address) ?? 0) - k * Number(v.power)) <= 1, `${v.address} with power ${v.power}`);
    }),
    { numRuns: 200 },
  );
});

test('a validator that joins never proposes the first height it is in, while any validator of the last set stays', (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 6 }), aHistory, (powers, history) => {
      let set = setOf(powers);
      for (const { changes, wait } of history) {
        const next = applyBatch(set, changes);
        if (next.stayed) t.false(next.joined.includes(next.set.proposer), `${next.set.proposer} joined and proposes at once`);
        set = next.set;
        for (let i = 0; i < wait; i++) set = nextValidatorSet(set);
      }
    }),
    { numRuns: 300 },
  );
});
