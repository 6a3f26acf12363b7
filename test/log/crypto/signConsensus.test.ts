import test from 'ava';
import { canonicalJson, checkConsensusSignature, keyPairFromSeed, signedBytesOf, signProposal, signVote } from '../../../log/crypto/index.ts';
import { Proposal, Vote } from '../../../schemas/index.ts';

// Votes and proposals are signed like txs: Ed25519 over RFC 8785 JSON of the message without `sig`.

const key = keyPairFromSeed('11'.repeat(32));
const other = keyPairFromSeed('22'.repeat(32));
const hash = 'a'.repeat(64);

test('a signed vote parses, checks, and covers the canonical JSON of the vote without its signature', (t) => {
  const vote = signVote(key, { chain: 'ain-test', shard: '/', height: 2, round: 0, kind: 'prevote', hash });
  t.true(Vote.safeParse(vote).success);
  t.is(vote.from, key.address);
  t.true(checkConsensusSignature(vote));
  const { sig: _sig, ...unsigned } = vote;
  t.is(signedBytesOf(vote).toString('utf8'), canonicalJson(unsigned));
  t.false(checkConsensusSignature({ ...vote, hash: null }), 'another hash');
  t.false(checkConsensusSignature({ ...vote, round: 1 }), 'another round');
  t.false(checkConsensusSignature({ ...vote, from: other.address }), 'a signer that is not the key');
  t.false(checkConsensusSignature({ ...vote, pub: other.publicKey, from: other.address }), 'another key');
});

test('a signed proposal covers its whole block', (t) => {
  const proposal = signProposal(key, { chain: 'ain-test', shard: '/', height: 2, round: 1, validRound: 0, block: { hash, records: ['x'] } });
  t.true(Proposal.safeParse(proposal).success);
  t.true(checkConsensusSignature(proposal));
  t.false(checkConsensusSignature({ ...proposal, block: { hash, records: ['y'] } }));
  t.false(checkConsensusSignature({ ...proposal, validRound: -1 }));
});

test('a proposal whose block has no canonical JSON (a lone surrogate, as a peer may send) is not signed, and checking it does not throw', (t) => {
  const proposal = signProposal(key, { chain: 'ain-test', shard: '/', height: 2, round: 1, validRound: 0, block: { hash, records: ['x'] } });
  const forged = { ...proposal, block: { hash, records: ['\ud800'] } };
  t.notThrows(() => checkConsensusSignature(forged));
  t.false(checkConsensusSignature(forged));
});
