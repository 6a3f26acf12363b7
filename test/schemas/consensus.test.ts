import test from 'ava';
import { Certificate, Evidence, LastSigned, maxValidators, Proposal, ValidatorSet, Vote } from '../../schemas/index.ts';

// The consensus messages a peer sends are refused when malformed, unbounded or inconsistent.

const hash = (c: string) => c.repeat(64);
const address = (i: number) => '0x' + i.toString(16).padStart(40, '0');
const vote = (over: Partial<Vote> = {}): Vote => ({
  chain: 'ain-test',
  shard: '/',
  height: 3,
  round: 1,
  kind: 'precommit',
  hash: hash('a'),
  from: address(1),
  pub: 'ab'.repeat(32),
  sig: 'cd'.repeat(64),
  ...over,
});
const proposal = (over: Partial<Proposal> = {}): Proposal => ({
  chain: 'ain-test',
  shard: '/',
  height: 3,
  round: 2,
  validRound: -1,
  block: { hash: hash('b'), header: { any: 'thing' } },
  proposer: address(1),
  pub: 'ab'.repeat(32),
  sig: 'cd'.repeat(64),
  ...over,
});

test('a vote is strict: nil or a hash, a known kind, no extra field, round within bounds', (t) => {
  t.true(Vote.safeParse(vote()).success);
  t.true(Vote.safeParse(vote({ hash: null })).success);
  t.false(Vote.safeParse({ ...vote(), extra: 1 }).success);
  t.false(Vote.safeParse(vote({ kind: 'commit' as never })).success);
  t.false(Vote.safeParse(vote({ hash: 'A'.repeat(64) })).success);
  t.false(Vote.safeParse(vote({ round: 65_536 })).success);
  t.false(Vote.safeParse(vote({ height: 0 })).success);
});

test('a proposal carries an opaque block with a hash, and a valid round of -1 or below its round', (t) => {
  t.true(Proposal.safeParse(proposal()).success);
  t.true(Proposal.safeParse(proposal({ validRound: 1 })).success);
  t.false(Proposal.safeParse(proposal({ validRound: 2 })).success);
  t.false(Proposal.safeParse(proposal({ validRound: -2 })).success);
  t.false(Proposal.safeParse(proposal({ block: { header: {} } as never })).success);
  t.false(Proposal.safeParse({ ...proposal(), extra: 1 }).success);
});

test('evidence is two votes of one validator for one (height, round, kind) with different hashes, the smaller first', (t) => {
  t.true(Evidence.safeParse({ a: vote({ hash: null }), b: vote() }).success);
  t.true(Evidence.safeParse({ a: vote(), b: vote({ hash: hash('b') }) }).success);
  t.false(Evidence.safeParse({ a: vote({ hash: hash('b') }), b: vote() }).success, 'order is canonical');
  t.false(Evidence.safeParse({ a: vote(), b: vote() }).success, 'the same hash is no offence');
  t.false(Evidence.safeParse({ a: vote({ hash: null }), b: vote({ round: 2 }) }).success, 'different rounds are no offence');
  t.false(Evidence.safeParse({ a: vote({ hash: null, kind: 'prevote' }), b: vote() }).success, 'a prevote and a precommit are no offence');
  t.false(Evidence.safeParse({ a: vote({ hash: null }), b: vote({ from: address(2) }) }).success);
  t.false(Evidence.safeParse({ a: vote({ hash: null }), b: vote({ height: 4 }) }).success);
});

test('a certificate holds precommits for its height, round and hash, one per validator in address order, bounded', (t) => {
  const votes = [1, 2, 3].map((i) => vote({ from: address(i) }));
  const certificate = { height: 3, round: 1, hash: hash('a'), votes };
  t.true(Certificate.safeParse(certificate).success);
  t.false(Certificate.safeParse({ ...certificate, votes: [votes[1], votes[0], votes[2]] }).success);
  t.false(Certificate.safeParse({ ...certificate, votes: [votes[0], votes[0]] }).success);
  t.false(Certificate.safeParse({ ...certificate, votes: [...votes, vote({ from: address(4), hash: null })] }).success);
  t.false(Certificate.safeParse({ ...certificate, votes: [...votes, vote({ from: address(4), kind: 'prevote' })] }).success);
  t.false(Certificate.safeParse({ ...certificate, round: 2 }).success);
  t.false(Certificate.safeParse({ ...certificate, votes: [] }).success);
  const many = Array.from({ length: maxValidators + 1 }, (_, i) => vote({ from: address(i + 1) }));
  t.false(Certificate.safeParse({ ...certificate, votes: many }).success);
});

test('a last-signed record keeps its lock whole and never later than what it signed', (t) => {
  const record = { height: 3, round: 2, step: 'precommit', hash: hash('a'), lockedRound: 2, lockedHash: hash('a') };
  t.true(LastSigned.safeParse(record).success);
  t.true(LastSigned.safeParse({ ...record, step: 'prevote', hash: null, lockedRound: -1, lockedHash: null }).success);
  t.false(LastSigned.safeParse({ ...record, lockedRound: -1 }).success);
  t.false(LastSigned.safeParse({ ...record, lockedHash: null }).success);
  t.false(LastSigned.safeParse({ ...record, lockedRound: 3 }).success);
});

test('a validator set is in address order with positive powers and its proposer among them', (t) => {
  const set = {
    validators: [
      { address: address(1), power: '1', priority: '-3' },
      { address: address(2), power: '20', priority: '3' },
    ],
    proposer: address(2),
  };
  t.true(ValidatorSet.safeParse(set).success);
  t.false(ValidatorSet.safeParse({ ...set, validators: [set.validators[1], set.validators[0]] }).success);
  t.false(ValidatorSet.safeParse({ ...set, proposer: address(3) }).success);
  t.false(ValidatorSet.safeParse({ ...set, validators: [{ ...set.validators[0], power: '0' }, set.validators[1]] }).success);
  t.false(ValidatorSet.safeParse({ ...set, validators: [{ ...set.validators[0], priority: '-0' }, set.validators[1]] }).success);
});
