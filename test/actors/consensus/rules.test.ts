import test from 'ava';
import { proposerOf } from '../../../actors/index.ts';
import { addressOf, blockOf, Driver, proposalOf, setOf, voteOf } from './fixtures.ts';

// Given a node at a height, when proposals, votes and timeouts arrive, then it votes, locks,
// moves rounds and decides as Algorithm 1 says. Four validators of power 1 unless said: any
// three are 2f + 1, any two f + 1.

const [v1, v2, v3, v4] = [1, 2, 3, 4].map(addressOf) as [string, string, string, string];
const set = setOf([1, 1, 1, 1]);
const x = blockOf('x');
const y = blockOf('y');

/** Validator v2 (not round 0's proposer, v1) at height 1. */
function node(self = v2) {
  return new Driver(self).send({ type: 'start', height: 1, validators: set });
}

const prevotes = (round: number, hash: string | null, from = [v1, v3, v4]) =>
  from.map((f) => ({ type: 'vote' as const, vote: voteOf(f, 1, round, 'prevote', hash) }));
const precommits = (round: number, hash: string | null, from = [v1, v3, v4]) =>
  from.map((f) => ({ type: 'vote' as const, vote: voteOf(f, 1, round, 'precommit', hash) }));
const proposal = (round: number, block = x, validRound = -1, valid = true) => ({
  type: 'proposal' as const,
  proposal: proposalOf(proposerOf(set, round), 1, round, block, validRound),
  valid,
});

test('given a start, the round-0 proposer asks for a new block; everyone waits timeoutPropose and starts gossiping', (t) => {
  const proposer = node(v1);
  t.deepEqual(
    proposer.effects.map((e) => e.type),
    ['schedule', 'schedule', 'propose'],
  );
  t.like(proposer.of('propose')[0], { height: 1, round: 0, validRound: -1, value: null });
  t.like(proposer.state, { height: 1, round: 0, step: 'propose', lastSigned: { height: 1, round: 0, step: 'propose' } });
  const other = node();
  t.deepEqual(other.take(), [
    { type: 'schedule', height: 1, round: 0, step: 'propose', timeoutMs: 400 },
    { type: 'schedule', height: 1, round: 0, step: 'gossip', timeoutMs: 300 },
  ]);
});

test('when a valid proposal comes, it prevotes it; an invalid one, nil; one from a non-proposer, nothing', (t) => {
  const n = node();
  n.take();
  n.send({ type: 'proposal', proposal: proposalOf(v3, 1, 0, x), valid: true });
  t.deepEqual(n.take(), [], 'v3 does not propose round 0');
  n.send(proposal(0));
  t.like(n.take(), [{ type: 'vote', kind: 'prevote', round: 0, hash: x.hash }]);
  t.is(n.state.step, 'prevote');
  const m = node();
  m.send(proposal(0, x, -1, false));
  t.like(m.of('vote'), [{ kind: 'prevote', hash: null }]);
});

test('a proposal the runtime has not judged is checked first, and prevoted once the verdict comes', (t) => {
  const n = node();
  n.take();
  const { proposal: p } = proposal(0);
  n.send({ type: 'proposal', proposal: p });
  t.deepEqual(n.take(), [{ type: 'check', proposal: p }]);
  n.send({ type: 'proposal', proposal: p });
  t.deepEqual(n.take(), [], 'asked once');
  n.send({ type: 'proposal', proposal: p, valid: true });
  t.like(n.take(), [{ type: 'vote', kind: 'prevote', hash: x.hash }]);
});

test('a polka of 2f + 1 prevotes for the proposal: lock on it and precommit it; 2f + 1 precommits: decide, with the certificate', (t) => {
  const n = node();
  n.send(proposal(0), ...prevotes(0, x.hash, [v1, v3]));
  t.is(n.state.step, 'prevote', 'two of four are no polka');
  n.take();
  n.send(...prevotes(0, x.hash, [v4]));
  t.like(n.take(), [
    { type: 'schedule', step: 'prevote' },
    { type: 'vote', kind: 'precommit', hash: x.hash, lastSigned: { step: 'precommit', lockedRound: 0, lockedHash: x.hash } },
  ]);
  t.deepEqual(n.state.locked, { hash: x.hash, round: 0 });
  t.deepEqual(n.state.valid, { block: x, round: 0 });
  n.send(...precommits(0, x.hash, [v4, v1]));
  t.deepEqual(n.of('commit'), []);
  n.send(...precommits(0, x.hash, [v3]));
  const [commit] = n.of('commit');
  t.like(commit, { height: 1, block: x, certificate: { height: 1, round: 0, hash: x.hash } });
  t.deepEqual(
    commit!.certificate.votes.map((v) => v.from),
    [v1, v3, v4],
    'in address order',
  );
  t.is(n.state.step, 'commit');
});

test('2f + 1 prevotes for nil: precommit nil; timeouts are scheduled once per round when 2f + 1 of anything arrive', (t) => {
  const n = node();
  n.send(proposal(0), ...prevotes(0, null, [v1]), ...prevotes(0, y.hash, [v3]));
  t.is(n.of('schedule').filter((s) => s.step === 'prevote').length, 0);
  n.send(...prevotes(0, null, [v4]));
  t.is(n.of('schedule').filter((s) => s.step === 'prevote').length, 1, 'v1 nil, v2 x, v3 y, v4 nil: 2f + 1 of anything');
  t.is(n.state.step, 'prevote');
  n.send(...prevotes(0, x.hash, [v2]));
  t.is(n.state.step, 'prevote', 'its own prevote, back from the runtime, counts for x: no polka for anything');
  n.take();
  const m = node();
  m.send(proposal(0), ...prevotes(0, null));
  t.like(m.of('vote').at(-1), { kind: 'precommit', hash: null });
  m.send(...precommits(0, null), ...precommits(0, null));
  t.is(m.of('schedule').filter((s) => s.step === 'precommit').length, 1);
});

test('timeouts: no proposal → prevote nil; no polka → precommit nil; then the next round, whose proposer proposes; stale ones do nothing', (t) => {
  const n = node();
  n.take();
  n.send({ type: 'timeout', height: 1, round: 0, step: 'prevote' }, { type: 'timeout', height: 1, round: 1, step: 'propose' });
  t.deepEqual(n.take(), [], 'not its step, not its round');
  n.send({ type: 'timeout', height: 1, round: 0, step: 'propose' });
  t.like(n.take(), [{ type: 'vote', kind: 'prevote', hash: null }]);
  n.send({ type: 'timeout', height: 1, round: 0, step: 'prevote' });
  t.like(n.take(), [{ type: 'vote', kind: 'precommit', hash: null }]);
  n.send({ type: 'timeout', height: 1, round: 0, step: 'precommit' });
  t.is(proposerOf(set, 1), v2);
  t.like(n.take(), [
    { type: 'schedule', round: 1, step: 'propose', timeoutMs: 600 },
    { type: 'schedule', round: 1, step: 'gossip' },
    { type: 'propose', round: 1, validRound: -1, value: null },
  ]);
  t.like(n.state, { round: 1, step: 'propose' });
});

test('locked on x, it prevotes nil for another block without a later polka, and x again when x is proposed', (t) => {
  const n = node(v3);
  n.send(proposal(0), ...prevotes(0, x.hash, [v1, v2, v4]));
  t.deepEqual(n.state.locked, { hash: x.hash, round: 0 });
  n.send({ type: 'timeout', height: 1, round: 0, step: 'precommit' });
  n.take();
  n.send(proposal(1, y));
  t.like(n.take(), [{ type: 'vote', round: 1, kind: 'prevote', hash: null }]);
  n.send({ type: 'timeout', height: 1, round: 1, step: 'prevote' }, { type: 'timeout', height: 1, round: 1, step: 'precommit' });
  n.take();
  n.send(proposal(2, x, 0));
  t.like(n.take(), [{ type: 'vote', round: 2, kind: 'prevote', hash: x.hash }], 'its own lock: no polka needed');
});

test('a polka in a round after its lock frees it: it prevotes the re-proposed block', (t) => {
  const n = node(v3);
  n.send(proposal(0), ...prevotes(0, x.hash, [v1, v2, v4]));
  n.send({ type: 'timeout', height: 1, round: 0, step: 'precommit' });
  n.send(...prevotes(1, y.hash, [v1, v2, v4]), { type: 'timeout', height: 1, round: 1, step: 'propose' });
  n.send({ type: 'timeout', height: 1, round: 1, step: 'prevote' }, { type: 'timeout', height: 1, round: 1, step: 'precommit' });
  n.take();
  n.send(proposal(2, y, 1));
  t.like(n.take(), [{ type: 'vote', round: 2, kind: 'prevote', hash: y.hash }]);
  t.deepEqual(n.state.locked, { hash: x.hash, round: 0 }, 'the lock itself moves only with a precommit');
});

test('a polka from before its lock does not free it', (t) => {
  const n = node(v3);
  // Round 0: a polka for y that v3 missed in time; round 1: it locks on x.
  n.send(...prevotes(0, y.hash, [v1, v2, v4]), { type: 'timeout', height: 1, round: 0, step: 'propose' });
  n.send({ type: 'timeout', height: 1, round: 0, step: 'prevote' }, { type: 'timeout', height: 1, round: 0, step: 'precommit' });
  n.send(proposal(1, x), ...prevotes(1, x.hash, [v1, v2, v4]));
  t.deepEqual(n.state.locked, { hash: x.hash, round: 1 });
  n.send({ type: 'timeout', height: 1, round: 1, step: 'precommit' });
  n.take();
  n.send(proposal(2, y, 0));
  t.like(n.take(), [{ type: 'vote', round: 2, kind: 'prevote', hash: null }]);
});

test('a proposer with a valid value proposes it again with its valid round', (t) => {
  const proposer = proposerOf(set, 1);
  const n = node(proposer);
  n.send(
    proposal(0),
    ...prevotes(
      0,
      x.hash,
      [v1, v3, v4].filter((v) => v !== proposer),
    ),
    ...prevotes(0, x.hash, [v2]),
  );
  n.send({ type: 'timeout', height: 1, round: 0, step: 'precommit' });
  t.like(n.of('propose').at(-1), { round: 1, validRound: 0, value: x, lastSigned: { step: 'propose', hash: x.hash } });
});

test('f + 1 of the power in a later round: it skips there; f alone does not move it', (t) => {
  const n = node();
  n.take();
  n.send({ type: 'vote', vote: voteOf(v3, 1, 5, 'prevote', null) });
  t.is(n.state.round, 0);
  n.send({ type: 'vote', vote: voteOf(v4, 1, 5, 'precommit', null) });
  t.like(n.state, { round: 5, step: 'propose' });
  t.like(n.take(), [{ type: 'schedule', round: 5, step: 'propose', timeoutMs: 400 + 5 * 200 }]);
});

test('2f + 1 precommits for a proposal of an earlier round decide it, whatever the current round', (t) => {
  const n = node();
  n.send(proposal(0));
  n.send({ type: 'timeout', height: 1, round: 0, step: 'prevote' }, ...precommits(0, null, [v1, v3, v4]));
  n.send({ type: 'timeout', height: 1, round: 0, step: 'precommit' });
  t.is(n.state.round, 1);
  n.send(...precommits(0, x.hash, [v1, v3]).map((e) => ({ ...e, vote: { ...e.vote } })));
  t.deepEqual(n.of('commit'), [], 'v1 and v3 already precommitted nil in round 0: their x votes are equivocation');
  const m = node();
  m.send(proposal(0), { type: 'timeout', height: 1, round: 0, step: 'prevote' }, ...precommits(0, null, [v1]), ...precommits(1, null, [v3, v4]));
  t.is(m.state.round, 1);
  m.send(...precommits(0, x.hash, [v3, v4]), ...precommits(0, x.hash, [v2]));
  t.like(m.of('commit'), [{ certificate: { round: 0, hash: x.hash } }]);
});

test('votes weigh by stake: one validator with more than 2/3 of the power is a quorum alone', (t) => {
  const heavy = setOf([1, 1, 7]);
  const n = new Driver(addressOf(1)).send({ type: 'start', height: 1, validators: heavy });
  const p = proposalOf(heavy.proposer, 1, 0, x);
  n.send({ type: 'proposal', proposal: p, valid: true }, { type: 'vote', vote: voteOf(addressOf(3), 1, 0, 'prevote', x.hash) });
  t.is(n.state.step, 'precommit');
  n.send({ type: 'vote', vote: voteOf(addressOf(3), 1, 0, 'precommit', x.hash) });
  t.is(n.of('commit').length, 1);
});

test('applied: the next height starts with the set it is given, and its proposer proposes', (t) => {
  const n = node();
  n.send(proposal(0), ...prevotes(0, x.hash), ...precommits(0, x.hash));
  const next = setOf([1, 1, 1, 1, 5]);
  n.take();
  n.send({ type: 'applied', height: 1, validators: next });
  t.like(n.state, { height: 2, round: 0, step: 'propose', locked: null, valid: null, decided: null, totalPower: '9' });
  t.deepEqual(n.state.proposals, {});
  t.deepEqual(n.state.votes, {});
  n.send({ type: 'applied', height: 1, validators: next });
  t.is(n.state.height, 2, 'an applied height already passed does nothing');
});

test('a start or applied event with timeouts (a shard whose rules changed) runs the height by them; without, the last ones hold', (t) => {
  const slow = { proposeMs: 900, proposeDeltaMs: 90, prevoteMs: 800, prevoteDeltaMs: 80, precommitMs: 700, precommitDeltaMs: 70, gossipMs: 600 };
  const started = new Driver(v2).send({ type: 'start', height: 1, validators: set, timeouts: slow });
  t.like(started.take(), [
    { type: 'schedule', step: 'propose', timeoutMs: 900 },
    { type: 'schedule', step: 'gossip', timeoutMs: 600 },
  ]);
  const n = node();
  n.send(proposal(0), ...prevotes(0, x.hash), ...precommits(0, x.hash));
  n.take();
  n.send({ type: 'applied', height: 1, validators: set, timeouts: slow });
  t.like(n.of('schedule'), [{ height: 2, step: 'propose', timeoutMs: 900 }]);
  n.send({ type: 'timeout', height: 2, round: 0, step: 'gossip' });
  t.like(n.of('schedule').at(-1), { step: 'gossip', timeoutMs: 600 }, 'each timeout of the height by the new ones');
  t.deepEqual(n.state.config.timeouts, slow, 'kept for the heights after');
});

test('a node with no stake, or with none at this height, follows without voting or proposing', (t) => {
  const follower = new Driver(null).send({ type: 'start', height: 1, validators: set });
  follower.send(proposal(0), ...prevotes(0, x.hash), ...precommits(0, x.hash));
  t.deepEqual(follower.of('vote'), []);
  t.is(follower.of('commit').length, 1);
  const outsider = new Driver(addressOf(9)).send({ type: 'start', height: 1, validators: set });
  outsider.send({ type: 'timeout', height: 1, round: 0, step: 'propose' });
  t.deepEqual(outsider.of('vote'), []);
});
