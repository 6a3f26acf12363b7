import test from 'ava';
import { generateKeyPair, signProposal, signVote } from '../../../log/index.ts';
import { createOwnKeyGuard, listenBeforeSigningMs, quietHeights, type SigningRecord } from '../../../runtime/consensus/index.ts';
import type { Certificate, Proposal, Vote } from '../../../schemas/index.ts';

// A validator signs nothing while another node signs with its key (a copied data dir): each
// proposal and vote of its key that reaches it is held to its signing record, and one it never
// signed keeps it from signing until two heights are decided past it.

const key = generateKeyPair();
const other = generateKeyPair();
const genesis = '9e'.repeat(32);
const hash = 'ab'.repeat(32);
const vote = (height: number, round = 0, signer = key, kind: 'prevote' | 'precommit' = 'prevote') =>
  signVote(signer, { chain: 'ain-local', shard: '/', height, round, kind, hash }, genesis);

/** A record that signed exactly `mine`. */
const recordOf = (mine: readonly Vote[]): Pick<SigningRecord, 'signed'> => ({
  signed: (message: { readonly vote: Vote } | { readonly proposal: Proposal }) => ('vote' in message ? mine.some((v) => v.sig === message.vote.sig) : false),
});

function guardWith(mine: readonly Vote[] = [], signedBefore = true) {
  let nowMs = 1_000;
  const guard = createOwnKeyGuard({ address: key.address, record: recordOf(mine), now: () => nowMs, signedBefore });
  return { guard, advance: (ms: number) => void (nowMs += ms) };
}

test('a chain at genesis signs at once; past genesis a node that signed before listens first, from the first time it would sign', (t) => {
  const fresh = guardWith();
  t.true(fresh.guard.maySign(0));
  t.true(guardWith([], false).guard.maySign(7), 'a validator newly staked (nothing signed before) signs at once');
  const restarted = guardWith();
  t.false(restarted.guard.maySign(7), 'just restarted (or copied) past genesis: it listens');
  restarted.advance(listenBeforeSigningMs - 1);
  t.false(restarted.guard.maySign(7));
  restarted.advance(1);
  t.true(restarted.guard.maySign(7));
});

test('its own messages coming back, and others’ keys, hold nothing', (t) => {
  const mine = [vote(5)];
  const { guard } = guardWith(mine);
  t.is(guard.heard({ vote: mine[0]! }), undefined);
  t.is(guard.heard({ vote: vote(5, 0, other) }), undefined);
  t.is(guard.holding(4), undefined);
  t.true(guard.maySign(0));
});

test('a vote of its key it never signed keeps it from signing until two heights are decided past it, said once', (t) => {
  const { guard } = guardWith();
  t.true(guard.maySign(0));
  const found = guard.heard({ vote: vote(8, 1) });
  t.like(found, { height: 8, round: 1, step: 'prevote', via: 'gossip' });
  t.is(guard.heard({ vote: vote(8, 2) }), undefined, 'said once');
  t.like(guard.holding(7), { height: 8, round: 2 }, 'the latest is kept');
  t.false(guard.maySign(7));
  t.false(guard.maySign(8 + quietHeights - 1));
  t.true(guard.maySign(8 + quietHeights), `${quietHeights} heights decided past it: the other node has stopped`);
  t.is(guard.holding(8 + quietHeights), undefined);
  t.like(guard.heard({ vote: vote(11) }), { height: 11 }, 'said again once it signs again');
  t.false(guard.maySign(10));
});

test('a decided block’s certificate with a precommit of its key it never signed holds it too; a proposal as well', (t) => {
  const { guard } = guardWith();
  const precommit = vote(4, 0, key, 'precommit');
  const certificate: Certificate = { height: 4, round: 0, hash, votes: [precommit, vote(4, 0, other, 'precommit')].sort((a, b) => (a.from < b.from ? -1 : 1)) };
  t.like(guard.certified(certificate), { height: 4, step: 'precommit', via: 'certificate' });
  t.false(guard.maySign(5));
  const proposal = signProposal(key, { chain: 'ain-local', shard: '/', height: 9, round: 0, validRound: -1, block: { hash, height: 9 } }, genesis);
  guard.heard({ proposal });
  t.like(guard.holding(9), { height: 9, step: 'propose' });
  t.is(guardWith([precommit]).guard.certified(certificate), undefined, 'its own precommit: nothing');
});
