import test from 'ava';
import fc from 'fast-check';
import { maySign, proposerOf, type ConsensusEffect, type ConsensusEvent } from '../../../actors/index.ts';
import type { LastSigned } from '../../../schemas/index.ts';
import { addressOf, blockOf, Driver, proposalOf, setOf, voteOf } from './fixtures.ts';

// A validator never signs two different votes for one (height, round, kind), nor two proposals for
// one round, even across restarts from its last-signed record.

const [v1, v2, v3, v4] = [1, 2, 3, 4].map(addressOf) as [string, string, string, string];
const set = setOf([1, 1, 1, 1]);
const x = blockOf('x');
const y = blockOf('y');

test('maySign: only later in (height, round, step), or the same vote again', (t) => {
  const last: LastSigned = { height: 5, round: 2, step: 'prevote', hash: x.hash, lockedRound: -1, lockedHash: null };
  t.true(maySign(null, 1, 0, 'prevote', null));
  t.true(maySign(last, 5, 2, 'prevote', x.hash), 'the same vote again');
  t.false(maySign(last, 5, 2, 'prevote', null));
  t.false(maySign(last, 5, 1, 'precommit', x.hash));
  t.false(maySign(last, 4, 9, 'precommit', x.hash));
  t.true(maySign(last, 5, 2, 'precommit', null));
  t.true(maySign(last, 5, 3, 'propose', null));
  t.true(maySign(last, 6, 0, 'prevote', y.hash));
  t.false(maySign({ ...last, step: 'propose' }, 5, 2, 'propose', x.hash), 'never a second proposal for a round');
});

test('restarted after precommitting x: it resumes locked at that round and step and sends only that precommit again', (t) => {
  const last: LastSigned = { height: 1, round: 2, step: 'precommit', hash: x.hash, lockedRound: 2, lockedHash: x.hash };
  const n = new Driver(v3).send({ type: 'start', height: 1, validators: set, lastSigned: last });
  t.like(n.state, { round: 2, step: 'precommit', locked: { hash: x.hash, round: 2 } });
  t.like(n.of('vote'), [{ round: 2, kind: 'precommit', hash: x.hash, lastSigned: last }]);
  n.take();
  n.send({ type: 'proposal', proposal: proposalOf(proposerOf(set, 2), 1, 2, y), valid: true });
  n.send({ type: 'timeout', height: 1, round: 2, step: 'propose' }, { type: 'timeout', height: 1, round: 2, step: 'prevote' });
  t.deepEqual(n.of('vote'), [], 'nothing more in round 2');
  n.send({ type: 'timeout', height: 1, round: 2, step: 'precommit' });
  n.send({ type: 'proposal', proposal: proposalOf(proposerOf(set, 3), 1, 3, y), valid: true });
  t.like(n.of('vote'), [{ round: 3, kind: 'prevote', hash: null }], 'still locked on x');
});

test('the precommit that locks carries the proposal and its polka; restarted with them, as a later proposer it proposes that block again and gossips the polka', (t) => {
  const proposer = proposerOf(set, 3);
  const locking = new Driver(proposer).send({ type: 'start', height: 1, validators: set });
  const round0 = proposalOf(proposerOf(set, 0), 1, 0, x);
  locking.send({ type: 'proposal', proposal: round0, valid: true });
  const polka = [v1, v2, v3, v4].filter((v) => v !== proposer).map((v) => voteOf(v, 1, 0, 'prevote', x.hash));
  for (const vote of polka) locking.send({ type: 'vote', vote });
  const [precommit] = locking.of('vote').filter((v) => v.kind === 'precommit');
  t.like(precommit, { kind: 'precommit', hash: x.hash, locked: { proposal: round0 } });
  t.deepEqual(precommit!.locked!.polka, polka, '2f + 1 prevotes for x, in address order');

  const last: LastSigned = { height: 1, round: 2, step: 'precommit', hash: null, lockedRound: 0, lockedHash: x.hash };
  const n = new Driver(proposer).send({ type: 'start', height: 1, validators: set, lastSigned: last, locked: precommit!.locked! });
  t.deepEqual(n.state.valid, { block: x, round: 0 });
  n.send({ type: 'timeout', height: 1, round: 2, step: 'precommit' });
  t.like(n.of('propose'), [{ round: 3, validRound: 0, value: x }]);
  n.send({ type: 'proposal', proposal: proposalOf(proposer, 1, 3, x, 0), valid: true });
  n.send({ type: 'timeout', height: 1, round: 3, step: 'gossip' });
  const gossip = n.of('gossip').at(-1)!;
  t.deepEqual(
    gossip.votes.filter((v) => v.round === 0 && v.kind === 'prevote').map((v) => v.from),
    polka.map((v) => v.from),
    'the polka of round 0 goes with the re-proposal',
  );

  const mismatched = new Driver(proposer).send({
    type: 'start',
    height: 1,
    validators: set,
    lastSigned: { ...last, lockedHash: y.hash },
    locked: precommit!.locked!,
  });
  t.is(mismatched.state.valid, null, 'a kept block that is not the lock is not taken');
});

test('restarted after proposing: it does not propose that round again; its record from a later height silences it', (t) => {
  const proposer = proposerOf(set, 1);
  const last: LastSigned = { height: 1, round: 1, step: 'propose', hash: null, lockedRound: -1, lockedHash: null };
  const n = new Driver(proposer).send({ type: 'start', height: 1, validators: set, lastSigned: last });
  t.deepEqual(n.of('propose'), []);
  t.like(n.of('schedule'), [
    { step: 'gossip', round: 1 },
    { step: 'propose', round: 1 },
  ]);
  const ahead = new Driver(v1).send({ type: 'start', height: 1, validators: set, lastSigned: { ...last, height: 2 } });
  ahead.send({ type: 'timeout', height: 1, round: 0, step: 'propose' });
  t.deepEqual([...ahead.of('propose'), ...ahead.of('vote')], []);
});

/** The events a validator may see at one height, arbitrary in order and content. */
const eventArb: fc.Arbitrary<ConsensusEvent | 'restart'> = fc.oneof(
  fc
    .record({ round: fc.nat(4), block: fc.constantFrom(x, y), validRound: fc.integer({ min: -1, max: 3 }), valid: fc.boolean() })
    .map(({ round, block, validRound, valid }) => ({
      type: 'proposal' as const,
      proposal: proposalOf(proposerOf(set, round), 1, round, block, Math.min(validRound, round - 1)),
      valid,
    })),
  fc
    .record({
      from: fc.constantFrom(v1, v2, v3, v4),
      round: fc.nat(4),
      kind: fc.constantFrom('prevote' as const, 'precommit' as const),
      hash: fc.constantFrom(x.hash, y.hash, null),
    })
    .map(({ from, round, kind, hash }) => ({
      type: 'vote' as const,
      vote: voteOf(from, 1, round, kind, hash),
    })),
  fc
    .record({ round: fc.nat(4), step: fc.constantFrom('propose' as const, 'prevote' as const, 'precommit' as const, 'gossip' as const) })
    .map(({ round, step }) => ({
      type: 'timeout' as const,
      height: 1,
      round,
      step,
    })),
  fc.constant('restart' as const),
);

test('property: whatever arrives, and across restarts from its record, it never signs two different votes for one slot nor proposes twice', (t) => {
  fc.assert(
    fc.property(fc.constantFrom(v1, v2, v3), fc.array(eventArb, { maxLength: 120 }), (self, events) => {
      const n = new Driver(self).send({ type: 'start', height: 1, validators: set });
      const signed = new Map<string, string | null>();
      const check = (effects: readonly ConsensusEffect[]) => {
        for (const e of effects) {
          if (e.type !== 'vote' && e.type !== 'propose') continue;
          const key = `${e.height}:${e.round}:${e.type === 'vote' ? e.kind : 'propose'}`;
          const hash = e.type === 'vote' ? e.hash : 'proposal';
          if (signed.has(key) && (e.type === 'propose' || signed.get(key) !== hash)) return false;
          signed.set(key, hash);
        }
        return true;
      };
      for (const event of events) {
        if (event === 'restart') {
          const last = n.state.lastSigned;
          n.state = new Driver(self).state;
          n.send({ type: 'start', height: 1, validators: set, lastSigned: last });
        } else {
          n.send(event);
          // Its own votes come back from the runtime, as they would.
          for (const e of n.effects) if (e.type === 'vote') n.send({ type: 'vote', vote: voteOf(self, e.height, e.round, e.kind, e.hash) });
        }
        if (!check(n.take())) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
