import test from 'ava';
import { signVote } from '../../../log/index.ts';
import { currentValidatorSet } from '../../../projections/index.ts';
import { compareVoteHashes, type Evidence, type Vote } from '../../../schemas/index.ts';
import { key, TestChain } from './chain.ts';

// Consensus evidence in the ledger: two signed votes of one validator for one (height, round,
// kind) with different hashes burn its stake and take it out of the validator set, once.

const [v1, v2, v3, v4] = [key(31), key(32), key(33), key(34)];
const outsider = key(35);
const reporter = key(36);
const genesis = {
  chain: 'ain-test',
  owner: v1.address,
  accounts: {
    [v1.address]: { balance: '10', stake: '40' },
    [v2.address]: { balance: '10', stake: '30' },
    [v3.address]: { balance: '10', stake: '20' },
    [v4.address]: { balance: '10', stake: '10' },
    [outsider.address]: { balance: '10' },
  },
  proposers: [v1.address],
  block: {},
};

/** The chain the votes are signed for: `genesis` unless a slot names another genesis hash. */
const { genesisHash } = new TestChain(genesis).ledger;

type Slot = { height: number; round: number; kind?: Vote['kind']; chain?: string; genesis?: string };

const vote = (k: ReturnType<typeof key>, slot: Slot, hash: string | null): Vote =>
  signVote(
    k,
    { chain: slot.chain ?? 'ain-test', shard: '/', height: slot.height, round: slot.round, kind: slot.kind ?? 'precommit', hash },
    slot.genesis ?? genesisHash,
  );

/** Two votes of `k` for one slot, the smaller hash (nil first) in `a` as the schema asks. */
function evidenceOf(k: ReturnType<typeof key>, slot: Slot, hashes: readonly [string | null, string | null] = ['a'.repeat(64), 'b'.repeat(64)]): Evidence {
  const [x, y] = [vote(k, slot, hashes[0]), vote(k, slot, hashes[1])];
  return compareVoteHashes(x.hash, y.hash) < 0 ? { a: x, b: y } : { a: y, b: x };
}

test('evidence of a double precommit burns the validator’s stake and takes it out of the set', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  const supplyBefore = chain.supply();
  const b2 = chain.block([chain.tx(reporter, { type: 'evidence', evidence: evidenceOf(v2, { height: 1, round: 0 }) })]);
  t.deepEqual(chain.codes(b2), ['ok']);
  t.deepEqual(b2.slashed, [{ address: v2.address, amount: 30n }]);
  t.is(chain.stake(v2.address), 0n);
  t.false(currentValidatorSet(chain.ledger.tree).stakes.has(v2.address), 'no longer in the validator set');
  t.is(chain.supply(), supplyBefore - 30n);
  t.is(chain.total(), chain.supply(), 'conservation, less what was burned');
  const b3 = chain.block([chain.tx(v2, { type: 'stake', amount: '5' })]);
  t.deepEqual(chain.codes(b3), ['NOT_VALIDATOR'], 'a slashed validator may not stake again');
});

test('a nil and a block prevote in one round are evidence; evidence of the block being applied counts', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  const b2 = chain.block([
    chain.tx(reporter, { type: 'evidence', evidence: evidenceOf(v3, { height: 2, round: 1, kind: 'prevote' }, [null, 'c'.repeat(64)]) }),
  ]);
  t.deepEqual(chain.codes(b2), ['ok']);
  t.deepEqual(b2.slashed, [{ address: v3.address, amount: 20n }]);
});

test('the same evidence twice, or another offence of a slashed validator, is ALREADY_SLASHED', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  const evidence = evidenceOf(v1, { height: 1, round: 0 });
  const b2 = chain.block([
    chain.tx(reporter, { type: 'evidence', evidence }),
    chain.tx(reporter, { type: 'evidence', evidence }),
    chain.tx(v4, { type: 'evidence', evidence: evidenceOf(v1, { height: 1, round: 2, kind: 'prevote' }) }),
  ]);
  t.deepEqual(chain.codes(b2), ['ok', 'ALREADY_SLASHED', 'ALREADY_SLASHED']);
  t.deepEqual(b2.slashed, [{ address: v1.address, amount: 40n }]);
  const b3 = chain.block([chain.tx(reporter, { type: 'evidence', evidence })]);
  t.deepEqual(chain.codes(b3), ['ALREADY_SLASHED']);
});

test('votes of different rounds, kinds or validators, or with one hash, are not evidence: BAD_SCHEMA', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  const [x, y] = [vote(v2, { height: 1, round: 0 }, 'a'.repeat(64)), vote(v2, { height: 1, round: 1 }, 'b'.repeat(64))];
  const otherKind = vote(v2, { height: 1, round: 0, kind: 'prevote' }, 'b'.repeat(64));
  const otherValidator = vote(v3, { height: 1, round: 0 }, 'b'.repeat(64));
  const b2 = chain.block([
    chain.tx(reporter, { type: 'evidence', evidence: { a: x, b: y } }),
    chain.tx(reporter, { type: 'evidence', evidence: { a: x, b: otherKind } }),
    chain.tx(reporter, { type: 'evidence', evidence: { a: x, b: otherValidator } }),
    chain.tx(reporter, { type: 'evidence', evidence: { a: x, b: x } }),
    chain.tx(reporter, { type: 'evidence', evidence: { a: vote(v2, { height: 1, round: 0 }, 'b'.repeat(64)), b: x } }),
  ]);
  t.deepEqual(chain.codes(b2), ['BAD_SCHEMA', 'BAD_SCHEMA', 'BAD_SCHEMA', 'BAD_SCHEMA', 'BAD_SCHEMA']);
  t.deepEqual(b2.slashed, []);
  t.is(chain.stake(v2.address), 30n);
});

test('a bad signature, another chain (by name, or by genesis: an earlier chain of this name and path) or a height not reached is BAD_EVIDENCE; a non-validator is NOT_VALIDATOR', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  const good = evidenceOf(v2, { height: 1, round: 0 });
  const forged = { a: good.a, b: { ...good.b, sig: good.a.sig } };
  const byOtherKey = { a: good.a, b: { ...vote(v3, { height: 1, round: 0 }, good.b.hash), from: v2.address } };
  const b2 = chain.block([
    chain.tx(reporter, { type: 'evidence', evidence: forged }),
    chain.tx(reporter, { type: 'evidence', evidence: byOtherKey }),
    chain.tx(reporter, { type: 'evidence', evidence: evidenceOf(v2, { height: 1, round: 0, chain: 'ain-other' }) }),
    chain.tx(reporter, { type: 'evidence', evidence: evidenceOf(v2, { height: 1, round: 0, genesis: 'e0'.repeat(32) }) }),
    chain.tx(reporter, { type: 'evidence', evidence: { a: good.a, b: vote(v2, { height: 1, round: 0, genesis: 'e0'.repeat(32) }, good.b.hash) } }),
    chain.tx(reporter, { type: 'evidence', evidence: evidenceOf(v2, { height: 3, round: 0 }) }),
    chain.tx(reporter, { type: 'evidence', evidence: evidenceOf(outsider, { height: 1, round: 0 }) }),
  ]);
  t.deepEqual(chain.codes(b2), ['BAD_EVIDENCE', 'BAD_EVIDENCE', 'BAD_EVIDENCE', 'BAD_EVIDENCE', 'BAD_EVIDENCE', 'BAD_EVIDENCE', 'NOT_VALIDATOR']);
  t.deepEqual(b2.slashed, []);
  t.is(chain.stake(v2.address), 30n);
});

test('a stake changed after the offence: judged by the set of that height, what is left is burned', (t) => {
  const chain = new TestChain({ ...genesis, unbondingMs: 100_000 });
  const { genesisHash: other } = chain.ledger;
  chain.block([]);
  // v4 stakes 5 more in block 2; its offence at height 2 was judged by the set after block 1.
  chain.block([chain.tx(v4, { type: 'stake', amount: '5' })]);
  const b3 = chain.block([chain.tx(reporter, { type: 'evidence', evidence: evidenceOf(v4, { height: 2, round: 0, genesis: other }) })]);
  t.deepEqual(chain.codes(b3), ['ok']);
  t.deepEqual(b3.slashed, [{ address: v4.address, amount: 15n }]);
  // An outsider that stakes after height 1 was no validator there.
  chain.block([chain.tx(outsider, { type: 'stake', amount: '5' })]);
  const b5 = chain.block([chain.tx(reporter, { type: 'evidence', evidence: evidenceOf(outsider, { height: 1, round: 0, genesis: other }) })]);
  t.deepEqual(chain.codes(b5), ['NOT_VALIDATOR']);
  t.is(chain.total(), chain.supply());
});
