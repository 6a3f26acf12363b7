import test from 'ava';
import { canonicalJson, checkConsensusSignature, consensusSignedBytesOf, keyPairFromSeed, signProposal, signVote } from '../../../log/crypto/index.ts';
import { Proposal, Vote } from '../../../schemas/index.ts';

// Votes and proposals are signed like txs, for one chain: Ed25519 over RFC 8785 JSON of the message
// without `sig`, with the chain's genesis hash as `genesis`.

const key = keyPairFromSeed('11'.repeat(32));
const other = keyPairFromSeed('22'.repeat(32));
const hash = 'a'.repeat(64);
const genesis = 'c'.repeat(64);

test('a signed vote parses, checks, and covers the canonical JSON of the vote without its signature, with its chain’s genesis', (t) => {
  const vote = signVote(key, { chain: 'ain-test', shard: '/', height: 2, round: 0, kind: 'prevote', hash }, genesis);
  t.true(Vote.safeParse(vote).success);
  t.is(vote.from, key.address);
  t.true(checkConsensusSignature(vote, genesis));
  const { sig: _sig, ...unsigned } = vote;
  t.is(consensusSignedBytesOf(vote, genesis).toString('utf8'), canonicalJson({ ...unsigned, genesis }));
  t.false(checkConsensusSignature(vote, 'd'.repeat(64)), 'another genesis: another incarnation of the chain and shard');
  t.false(checkConsensusSignature({ ...vote, hash: null }, genesis), 'another hash');
  t.false(checkConsensusSignature({ ...vote, round: 1 }, genesis), 'another round');
  t.false(checkConsensusSignature({ ...vote, from: other.address }, genesis), 'a signer that is not the key');
  t.false(checkConsensusSignature({ ...vote, pub: other.publicKey, from: other.address }, genesis), 'another key');
});

test('a signed proposal covers its whole block', (t) => {
  const proposal = signProposal(key, { chain: 'ain-test', shard: '/', height: 2, round: 1, validRound: 0, block: { hash, records: ['x'] } }, genesis);
  t.true(Proposal.safeParse(proposal).success);
  t.true(checkConsensusSignature(proposal, genesis));
  t.false(checkConsensusSignature({ ...proposal, block: { hash, records: ['y'] } }, genesis));
  t.false(checkConsensusSignature({ ...proposal, validRound: -1 }, genesis));
  t.false(checkConsensusSignature(proposal, 'd'.repeat(64)), 'another genesis');
});

test('a proposal whose block has no canonical JSON (a lone surrogate, as a peer may send) is not signed, and checking it does not throw', (t) => {
  const proposal = signProposal(key, { chain: 'ain-test', shard: '/', height: 2, round: 1, validRound: 0, block: { hash, records: ['x'] } }, genesis);
  const forged = { ...proposal, block: { hash, records: ['\ud800'] } };
  t.notThrows(() => checkConsensusSignature(forged, genesis));
  t.false(checkConsensusSignature(forged, genesis));
});
