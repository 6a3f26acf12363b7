import test from 'ava';
import {
  canonicalJson,
  checkConsensusSignature,
  checkPeerClaim,
  consensusSignedBytesOf,
  keyPairFromSeed,
  signPeerClaim,
  signProposal,
  signVote,
} from '../../../log/crypto/index.ts';
import { PeerClaim, Proposal, Tx, Vote } from '../../../schemas/index.ts';

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

test('a peer claim: its key says it is one libp2p peer of one chain; no other peer, chain or key is covered, and it is no vote, proposal or tx', (t) => {
  const peerId = '12D3KooWGzh5m4KQqzC8uQK3nJ1b5x3yq5mJbC2Vq7pW4hU9pR1s';
  const claim = signPeerClaim(key, { chain: 'ain-test', shard: '/', peerId }, genesis);
  t.true(PeerClaim.safeParse(claim).success);
  t.like(claim, { from: key.address, pub: key.publicKey, peerId });
  t.true(checkPeerClaim(claim, genesis));
  const { sig: _sig, ...unsigned } = claim;
  t.is(consensusSignedBytesOf(claim, genesis).toString('utf8'), canonicalJson({ ...unsigned, genesis }));
  t.false(checkPeerClaim(claim, 'd'.repeat(64)), 'another genesis');
  t.false(checkPeerClaim({ ...claim, peerId: '12D3KooWGzh5m4KQqzC8uQK3nJ1b5x3yq5mJbC2Vq7pW4hU9pR1t' }, genesis), 'another peer');
  t.false(checkPeerClaim({ ...claim, shard: '/apps/x' }, genesis), 'another shard');
  t.false(checkPeerClaim({ ...claim, from: other.address }, genesis), 'a signer that is not the key');
  t.false(checkPeerClaim({ ...claim, pub: other.publicKey, from: other.address }, genesis), 'another key');
  t.false(Vote.safeParse(claim).success || Proposal.safeParse(claim).success || Tx.safeParse(claim).success, "its bytes are no other message's");
  t.false(PeerClaim.safeParse({ ...claim, peerId: 'not a peer' }).success);
});
