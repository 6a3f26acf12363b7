import test from 'ava';
import { Evidence } from '../../../schemas/index.ts';
import { decidedElsewhere, heardPower, holdsLiveProposal, proposerOf, reachedPower, roundReport } from '../../../actors/index.ts';
import { addressOf, blockOf, Driver, proposalOf, setOf, testConfig, voteOf } from './fixtures.ts';

// Counting, equivocation, and the bounds on what peers can make a node hold.

const [v1, v2, v3, v4] = [1, 2, 3, 4].map(addressOf) as [string, string, string, string];
const set = setOf([1, 1, 1, 1]);
const x = blockOf('x');
const y = blockOf('y');
const vote = (from: string, round: number, kind: 'prevote' | 'precommit', hash: string | null, height = 1) => ({
  type: 'vote' as const,
  vote: voteOf(from, height, round, kind, hash),
});
const node = (self = v2) => new Driver(self).send({ type: 'start', height: 1, validators: set });

test('a vote sent twice counts once: two copies of one validator’s prevote are no polka', (t) => {
  const n = node();
  n.send({ type: 'proposal', proposal: proposalOf(v1, 1, 0, x), valid: true });
  n.send(vote(v1, 0, 'prevote', x.hash), vote(v1, 0, 'prevote', x.hash), vote(v1, 0, 'prevote', x.hash));
  n.send(vote(v2, 0, 'prevote', x.hash));
  t.is(n.state.step, 'prevote');
  t.deepEqual(n.of('evidence'), []);
});

test('two votes of one validator for one (height, round, kind) with different hashes are evidence, once; the second never counts', (t) => {
  const n = node();
  n.send(vote(v3, 0, 'prevote', x.hash), vote(v3, 0, 'prevote', y.hash), vote(v3, 0, 'prevote', null));
  const evidence = n.of('evidence');
  t.is(evidence.length, 1);
  t.true(Evidence.safeParse(evidence[0]!.evidence).success, 'canonical: the smaller hash first');
  t.deepEqual([evidence[0]!.evidence.a.hash, evidence[0]!.evidence.b.hash].sort(), [x.hash, y.hash].sort());
  t.deepEqual(
    n.state.votes[0]!.prevote[v3]!.map((v) => v.hash),
    [x.hash],
    'the first vote stays; the others, backed by nobody else, are not held',
  );
});

test('an equivocator’s other vote counts for a hash a third of the power backs: the polka the others saw is seen here too', (t) => {
  const n = node();
  n.send({ type: 'proposal', proposal: proposalOf(v1, 1, 0, x), valid: true });
  n.send(vote(v4, 0, 'prevote', null), vote(v4, 0, 'prevote', y.hash));
  t.deepEqual(
    n.state.votes[0]!.prevote[v4]!.map((v) => v.hash),
    [null],
    'y: backed by nobody else',
  );
  n.send(vote(v1, 0, 'prevote', x.hash), vote(v3, 0, 'prevote', x.hash));
  t.is(n.state.step, 'prevote', 'v1 and v3 alone are no polka');
  n.send(vote(v4, 0, 'prevote', x.hash));
  t.is(n.of('evidence').length, 1, 'reported once');
  t.like(n.of('vote').at(-1), { kind: 'precommit', hash: x.hash });
  t.deepEqual(n.state.locked, { hash: x.hash, round: 0 });
});

test('different rounds, or a prevote and a precommit, are no evidence', (t) => {
  const n = node();
  n.send(vote(v3, 0, 'prevote', x.hash), vote(v3, 0, 'precommit', null), vote(v3, 1, 'prevote', y.hash), vote(v3, 1, 'precommit', y.hash));
  t.deepEqual(n.of('evidence'), []);
});

test('votes from outside the validator set are ignored', (t) => {
  const n = node();
  n.send(vote(addressOf(9), 0, 'prevote', x.hash), vote(addressOf(9), 7, 'prevote', x.hash));
  t.deepEqual(n.state.votes, {});
});

test('messages for the next height wait and count once it starts; later heights and earlier ones are dropped', (t) => {
  const n = node();
  const next = proposalOf(proposerOf(set, 0), 2, 0, y);
  n.send({ type: 'proposal', proposal: next, valid: true }, vote(v1, 0, 'prevote', y.hash, 2), vote(v3, 0, 'prevote', y.hash, 2));
  n.send(vote(v1, 0, 'prevote', y.hash, 3), { type: 'proposal', proposal: proposalOf(v1, 3, 0, y), valid: true });
  t.is(n.state.future.length, 3);
  n.take();
  n.send({ type: 'applied', height: 1, validators: set });
  t.is(n.state.height, 2);
  t.deepEqual(n.state.future, []);
  t.deepEqual(Object.keys(n.state.votes[0]!.prevote).sort(), [v1, v3]);
  const effects = n.take();
  t.true(
    effects.some((e) => e.type === 'check' && e.proposal === next),
    'a held proposal is judged again at its height',
  );
  n.send({ type: 'proposal', proposal: next, valid: true });
  t.like(n.of('vote'), [{ kind: 'prevote', height: 2, hash: y.hash }]);
  n.send(vote(v4, 0, 'prevote', x.hash, 1));
  t.falsy(n.state.votes[0]!.prevote[v4], 'a vote for a past height changes nothing');
});

test('held messages are bounded per signer (its oldest goes) and in all (newcomers are dropped)', (t) => {
  const n = node();
  for (let round = 0; round < 10; round++) n.send(vote(v3, round, 'prevote', null, 2));
  const held = n.state.future.filter((m) => m.type === 'vote' && m.vote.from === v3);
  t.is(held.length, testConfig.futureMessagesPerSignerMax);
  t.deepEqual(
    held.map((m) => (m.type === 'vote' ? m.vote.round : -1)),
    [6, 7, 8, 9],
  );
  const many = new Driver(v2, { ...testConfig, futureMessagesMax: 6, futureMessagesPerSignerMax: 4 }).send({ type: 'start', height: 1, validators: set });
  for (const from of [v1, v3, v4]) for (let round = 0; round < 4; round++) many.send(vote(from, round, 'precommit', null, 2));
  t.is(many.state.future.length, 6);
});

test('a validator’s votes are held for at most futureRoundsMax rounds ahead, its highest', (t) => {
  const n = node();
  n.send(vote(v3, 3, 'prevote', null), vote(v3, 4, 'prevote', null), vote(v3, 9, 'prevote', null), vote(v3, 2, 'prevote', null));
  const rounds = Object.entries(n.state.votes)
    .filter(([, votes]) => votes.prevote[v3] !== undefined)
    .map(([round]) => Number(round));
  t.deepEqual(rounds, [4, 9]);
});

test('proposals come early by at most futureRoundsMax rounds', (t) => {
  const n = node();
  const round = testConfig.futureRoundsMax + 1;
  n.send({ type: 'proposal', proposal: proposalOf(proposerOf(set, round), 1, round, x), valid: true });
  t.deepEqual(n.state.proposals, {});
  n.send({ type: 'proposal', proposal: proposalOf(proposerOf(set, 2), 1, 2, x), valid: true });
  t.truthy(n.state.proposals[2]);
});

test('a second block from one proposer for one round is held only once a third of the power voted for it', (t) => {
  const n = node();
  n.send({ type: 'proposal', proposal: proposalOf(v1, 1, 0, x), valid: true });
  n.send({ type: 'proposal', proposal: proposalOf(v1, 1, 0, y), valid: true });
  t.deepEqual(Object.keys(n.state.proposals[0]!), [x.hash]);
  n.send(vote(v3, 0, 'precommit', y.hash), vote(v4, 0, 'precommit', y.hash));
  n.send({ type: 'proposal', proposal: proposalOf(v1, 1, 0, y), valid: true });
  t.deepEqual(Object.keys(n.state.proposals[0]!).sort(), [x.hash, y.hash].sort());
  n.send(vote(v1, 0, 'precommit', y.hash));
  t.like(n.of('commit'), [{ block: y }], 'the block the network decided, though another came first');
});

test('on its gossip timer it sends its round’s votes again, with the polka a re-proposal rests on, and not another’s proposal', (t) => {
  const n = node(v3);
  n.send({ type: 'proposal', proposal: proposalOf(v1, 1, 0, x), valid: true }, vote(v1, 0, 'prevote', x.hash), vote(v2, 0, 'prevote', x.hash));
  n.send(vote(v4, 0, 'prevote', x.hash), { type: 'timeout', height: 1, round: 0, step: 'precommit' });
  const reproposal = proposalOf(proposerOf(set, 1), 1, 1, x, 0);
  n.send({ type: 'proposal', proposal: reproposal, valid: true }, vote(v4, 1, 'prevote', x.hash));
  n.take();
  n.send({ type: 'timeout', height: 1, round: 1, step: 'gossip' });
  const [gossip, again] = n.take();
  t.like(again, { type: 'schedule', round: 1, step: 'gossip' });
  if (gossip?.type !== 'gossip') return t.fail();
  t.deepEqual(gossip.proposals, [], 'the proposer sends its own proposal again');
  t.deepEqual(
    gossip.votes.map((v) => `${v.round}:${v.kind}:${v.from}`).sort(),
    ['0:prevote:' + v1, '0:prevote:' + v2, '0:prevote:' + v4, '1:prevote:' + v4].sort(),
  );
  n.send({ type: 'timeout', height: 1, round: 0, step: 'gossip' });
  t.deepEqual(n.take(), [], 'an old round’s timer has stopped');
  n.send(vote(v1, 1, 'precommit', null), { type: 'timeout', height: 1, round: 1, step: 'prevote' }, vote(v1, 2, 'prevote', null), vote(v2, 2, 'prevote', null));
  n.send({ type: 'timeout', height: 1, round: 2, step: 'gossip' });
  const later = n.of('gossip').at(-1)!;
  t.deepEqual(
    later.votes.map((v) => `${v.round}:${v.kind}:${v.from}`).sort(),
    ['1:precommit:' + v1, '2:prevote:' + v1, '2:prevote:' + v2].sort(),
    'the previous round’s precommits too',
  );
});

test('a proposer sends its proposal again on its gossip timer until every validator prevoted in the round', (t) => {
  const proposer = proposerOf(set, 0);
  const n = node(proposer);
  const own = n.of('propose').at(0);
  t.truthy(own, 'the proposer of round 0 proposes');
  const proposal = proposalOf(proposer, 1, 0, x);
  n.send({ type: 'proposal', proposal, valid: true });
  n.take();
  n.send({ type: 'timeout', height: 1, round: 0, step: 'gossip' });
  t.deepEqual(n.of('gossip').at(-1)?.proposals, [proposal], 'sent again while validators have not prevoted');
  for (const v of [v1, v2, v3, v4]) n.send(vote(v, 0, 'prevote', x.hash));
  n.take();
  n.send({ type: 'timeout', height: 1, round: 0, step: 'gossip' });
  t.deepEqual(n.of('gossip').at(-1)?.proposals, [], 'every validator prevoted: the proposal is not sent again');
});

test('the propose timeout waits for a proposal that came before it to be judged: a valid one is prevoted, an invalid one gets nil', (t) => {
  const proposer = proposerOf(set, 0);
  for (const valid of [true, false]) {
    const n = node(proposer === v2 ? v3 : v2);
    n.send({ type: 'proposal', proposal: proposalOf(proposer, 1, 0, x) });
    t.is(n.of('check').length, 1);
    n.take();
    n.send({ type: 'timeout', height: 1, round: 0, step: 'propose' });
    t.deepEqual(n.of('vote'), [], 'no prevote while the block is being judged');
    n.send({ type: 'proposal', proposal: proposalOf(proposer, 1, 0, x), valid });
    t.like(n.of('vote'), [{ kind: 'prevote', hash: valid ? x.hash : null }]);
  }
  const idle = node(proposer === v2 ? v3 : v2);
  idle.take();
  idle.send({ type: 'timeout', height: 1, round: 0, step: 'propose' });
  t.like(idle.of('vote'), [{ kind: 'prevote', hash: null }], 'no proposal at all: nil at once');
});

test('a round’s report says whether its proposal came, the verdict, and the power behind each prevote and precommit', (t) => {
  const n = node();
  const proposer = n.state.schedule.proposers[0]!;
  t.like(roundReport(n.state, 0), { height: 1, round: 0, step: 'propose', proposer, proposal: 'none', prevotes: {}, precommits: {} });
  t.is(roundReport(n.state, 0).noPrevote.length, 4);
  n.send({ type: 'proposal', proposal: proposalOf(proposer, 1, 0, x) });
  t.is(roundReport(n.state, 0).proposal, 'judging');
  n.send({ type: 'proposal', proposal: proposalOf(proposer, 1, 0, x), valid: false });
  n.send(vote(v1, 0, 'prevote', x.hash), vote(v3, 0, 'prevote', x.hash), vote(v4, 0, 'precommit', null));
  const report = roundReport(n.state, 0);
  t.is(report.proposal, 'invalid');
  t.deepEqual(report.prevotes, { [x.hash.slice(0, 12)]: '2' });
  t.deepEqual(report.precommits, { nil: '1' });
  t.deepEqual(report.noPrevote, [v2, v4], 'its own prevote (nil, an effect) counts once the runtime hands it back');
});

test('a block 2/3 of the power precommitted is decided elsewhere while this node lacks its proposal or refused it; not while it judges it', (t) => {
  const precommits = (n: Driver) => n.send(vote(v1, 0, 'precommit', x.hash), vote(v3, 0, 'precommit', x.hash), vote(v4, 0, 'precommit', x.hash));
  const lacking = node();
  lacking.send(vote(v1, 0, 'precommit', x.hash), vote(v3, 0, 'precommit', x.hash));
  t.is(decidedElsewhere(lacking.state), null, 'no quorum yet');
  lacking.send(vote(v4, 0, 'precommit', x.hash));
  t.deepEqual(decidedElsewhere(lacking.state), { round: 0, hash: x.hash });
  t.false(holdsLiveProposal(lacking.state));

  const proposer = node().state.schedule.proposers[0]!;
  const judging = precommits(node().send({ type: 'proposal', proposal: proposalOf(proposer, 1, 0, x) }));
  t.is(decidedElsewhere(judging.state), null, 'decides once judged');
  t.true(holdsLiveProposal(judging.state));
  const refused = precommits(node().send({ type: 'proposal', proposal: proposalOf(proposer, 1, 0, x), valid: false }));
  t.deepEqual(decidedElsewhere(refused.state), { round: 0, hash: x.hash });
  t.false(holdsLiveProposal(refused.state));
  const held = node().send({ type: 'proposal', proposal: proposalOf(proposer, 1, 0, x), valid: true });
  precommits(held);
  t.is(held.state.step, 'commit', 'a valid proposal with a precommit quorum is decided here');
  t.is(decidedElsewhere(held.state), null);
});

test('the power heard from at a height counts each validator with a vote in any round once: two of four is no quorum in reach, three is; those unheard are named', (t) => {
  const n = node();
  const unheard = (...of: string[]) => [v1, v2, v3, v4].filter((v) => of.includes(v));
  t.deepEqual(heardPower(n.state), { heard: 0n, total: 4n, unheard: unheard(v1, v2, v3, v4) });
  n.send(vote(v1, 0, 'prevote', null), vote(v2, 0, 'prevote', null), vote(v1, 0, 'precommit', null), vote(v2, 1, 'prevote', null));
  t.deepEqual(heardPower(n.state), { heard: 2n, total: 4n, unheard: unheard(v3, v4) }, 'v1 and v2, whatever they voted, however often');
  n.send(vote(v3, 1, 'precommit', x.hash));
  t.deepEqual(heardPower(n.state), { heard: 3n, total: 4n, unheard: unheard(v4) });
});

test('the power reached counts the validators given (this node, and those heard from lately), whatever they voted at the height', (t) => {
  const n = node();
  n.send(vote(v1, 0, 'prevote', null), vote(v2, 0, 'prevote', null), vote(v3, 0, 'prevote', null));
  t.deepEqual(heardPower(n.state).heard, 3n, 'three voted at the height');
  t.deepEqual(
    reachedPower(n.state, new Set([v1, v2])),
    { heard: 2n, total: 4n, unheard: [v1, v2, v3, v4].filter((v) => v === v3 || v === v4) },
    'v3 voted, then went silent',
  );
  t.deepEqual(reachedPower(n.state, new Set([v1, v2, v4, '0xnot-a-validator'])).heard, 3n);
});
