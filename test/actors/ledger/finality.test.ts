import test from 'ava';
import { readFinalized } from '../../../projections/index.ts';
import type { OpOf, Tx } from '../../../schemas/index.ts';
import { key, TestChain } from './chain.ts';

const [v1, v2, v3, v4] = [key(11), key(12), key(13), key(14)];
const outsider = key(15);
const reporter = key(16);
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

const attest = (chain: TestChain, v: ReturnType<typeof key>, height: number, hash = chain.blocks[height - 1]!.hash) =>
  chain.tx(v, { type: 'attest', height, hash, genesis: chain.ledger.genesisHash });

test('a block is final once attestations carry more than 2/3 of the stake, not at exactly 2/3 or below', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  const b2 = chain.block([attest(chain, v1, 1), attest(chain, v3, 1)]);
  t.deepEqual(chain.codes(b2), ['ok', 'ok']);
  t.is(b2.finalized.height, 0, '40 + 20 = 60 of 100 is not enough');
  const b3 = chain.block([attest(chain, v4, 1)]);
  t.is(b3.finalized.height, 1, '70 of 100 is past 2/3');
  t.is(b3.finalized.hash, chain.blocks[0]!.hash);
});

test('attestations arriving late (after finality) or twice are recorded, and finality never goes back', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  chain.block([attest(chain, v1, 1), attest(chain, v2, 1)]);
  t.is(readFinalized(chain.ledger.tree).height, 1);
  const late = chain.block([attest(chain, v3, 1), attest(chain, v1, 1)]);
  t.deepEqual(chain.codes(late), ['ok', 'ALREADY_ATTESTED']);
  t.is(late.finalized.height, 1);
  // Block 3 final first, then a late vote for block 2: the final height stays 3.
  chain.block([attest(chain, v1, 3), attest(chain, v2, 3)]);
  t.is(readFinalized(chain.ledger.tree).height, 3);
  const b5 = chain.block([attest(chain, v1, 2), attest(chain, v2, 2)]);
  t.is(b5.finalized.height, 3);
});

test('attestations for a block not cut yet, from a non-validator, or of a wrong hash are refused with codes', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  const b2 = chain.block([
    chain.tx(v1, { type: 'attest', height: 2, hash: 'a'.repeat(64), genesis: chain.ledger.genesisHash }),
    attest(chain, outsider, 1),
    chain.tx(v2, { type: 'attest', height: 1, hash: 'b'.repeat(64), genesis: chain.ledger.genesisHash }),
  ]);
  t.deepEqual(chain.codes(b2), ['BAD_ATTESTATION', 'NOT_VALIDATOR', 'WRONG_HEADER']);
});

test('a validator that attests two hashes for one height is slashed: its stake burned, its votes no longer counted', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  const supplyBefore = chain.supply();
  const b2 = chain.block([chain.tx(v2, { type: 'attest', height: 1, hash: 'c'.repeat(64), genesis: chain.ledger.genesisHash }), attest(chain, v2, 1)]);
  t.deepEqual(chain.codes(b2), ['WRONG_HEADER', 'EQUIVOCATION']);
  t.deepEqual(b2.slashed, [{ address: v2.address, amount: 30n }]);
  t.is(chain.stake(v2.address), 0n);
  t.is(chain.supply(), supplyBefore - 30n);
  t.is(chain.total(), chain.supply(), 'conservation, less what was burned');
  const b3 = chain.block([attest(chain, v2, 2)]);
  t.deepEqual(chain.codes(b3), ['NOT_VALIDATOR']);
  const b4 = chain.block([chain.tx(v2, { type: 'stake', amount: '5' })]);
  t.deepEqual(chain.codes(b4), ['NOT_VALIDATOR']);
});

test('equivocation evidence (two signed attestations) from anyone slashes the validator once', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  // v3 signs two headers for block 1, but only one reaches this chain's log.
  type Signed = Tx & { op: OpOf<'attest'> };
  const seen = attest(chain, v3, 1) as Signed;
  const elsewhere = chain.tx(v3, { type: 'attest', height: 1, hash: 'd'.repeat(64), genesis: chain.ledger.genesisHash }) as Signed;
  chain.block([seen]);
  const notProof = chain.tx(reporter, { type: 'equivocation', first: seen, second: seen });
  const forged = chain.tx(reporter, { type: 'equivocation', first: seen, second: { ...elsewhere, sig: seen.sig } });
  const evidence = chain.tx(reporter, { type: 'equivocation', first: seen, second: elsewhere });
  const again = chain.tx(reporter, { type: 'equivocation', first: elsewhere, second: seen });
  const b3 = chain.block([notProof, forged, evidence, again]);
  t.deepEqual(chain.codes(b3), ['BAD_EVIDENCE', 'BAD_EVIDENCE', 'ok', 'NOTHING_TO_SLASH']);
  t.deepEqual(b3.slashed, [{ address: v3.address, amount: 20n }]);
  t.is(chain.total(), chain.supply());
});

test('an attestation naming another genesis (an earlier chain of this shard path) is refused and counts nothing', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  // The earlier chain's block 1, signed by v1 there: another hash, which here would be equivocation.
  const b2 = chain.block([chain.tx(v1, { type: 'attest', height: 1, hash: 'c'.repeat(64), genesis: 'ab'.repeat(32) })]);
  t.deepEqual(chain.codes(b2), ['BAD_ATTESTATION']);
  t.deepEqual(b2.slashed, []);
  t.is(chain.stake(v1.address), 40n);
  // Unrecorded: v1's attestation of this chain's block 1 is its first vote here, not a second one.
  const b3 = chain.block([attest(chain, v1, 1), attest(chain, v2, 1)]);
  t.deepEqual(chain.codes(b3), ['ok', 'ok']);
  t.is(b3.finalized.height, 1, '40 + 30 = 70 of 100');
});

test('equivocation evidence of attestations naming another genesis is refused and slashes nothing', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  type Signed = Tx & { op: OpOf<'attest'> };
  const other = 'ab'.repeat(32);
  const first = chain.tx(v3, { type: 'attest', height: 1, hash: 'd'.repeat(64), genesis: other }) as Signed;
  const second = chain.tx(v3, { type: 'attest', height: 1, hash: 'e'.repeat(64), genesis: other }) as Signed;
  const b2 = chain.block([chain.tx(reporter, { type: 'equivocation', first, second })]);
  t.deepEqual(chain.codes(b2), ['BAD_EVIDENCE']);
  t.deepEqual(b2.slashed, []);
  t.is(chain.stake(v3.address), 20n);
  t.is(chain.total(), chain.supply());
});

test('unbonding stake stays slashable; stake changes apply to blocks recorded after them', (t) => {
  const chain = new TestChain({ ...genesis, unbondingMs: 100_000 });
  chain.block([]);
  // v1 unstakes all 40 in block 2: block 1 was recorded with v1's 40, so v1's vote still counts there.
  chain.block([chain.tx(v1, { type: 'unstake', amount: '40' })]);
  const b3 = chain.block([attest(chain, v1, 1), attest(chain, v2, 1)]);
  t.deepEqual(chain.codes(b3), ['ok', 'ok']);
  t.is(b3.finalized.height, 1);
  // Block 3 was recorded after the unstake: v1 is no validator there.
  const b4 = chain.block([attest(chain, v1, 3)]);
  t.deepEqual(chain.codes(b4), ['NOT_VALIDATOR']);
  // Its stake is unbonding, not gone: a second, different vote for block 1 is still slashed.
  const b5 = chain.block([chain.tx(v1, { type: 'attest', height: 1, hash: 'e'.repeat(64), genesis: chain.ledger.genesisHash })]);
  t.deepEqual(chain.codes(b5), ['EQUIVOCATION']);
  t.deepEqual(b5.slashed, [{ address: v1.address, amount: 40n }]);
  t.is(chain.ledger.tree.get(`/accounts/${v1.address}/unbonding`), '0');
  t.is(chain.total(), chain.supply());
});

test('a single validator with all the stake finalizes each block with its own attestation', (t) => {
  const solo = key(20);
  const chain = new TestChain({
    chain: 'ain-test',
    owner: solo.address,
    accounts: { [solo.address]: { balance: '1', stake: '1' } },
    proposers: [solo.address],
    block: {},
  });
  chain.block([]);
  for (let h = 1; h <= 5; h++) t.is(chain.block([attest(chain, solo, h)]).finalized.height, h);
});

test('cut markers from anyone but a proposer are NOT_PROPOSER', (t) => {
  const chain = new TestChain(genesis);
  const block = chain.block([chain.tx(v1, { type: 'cut', height: 1 }), chain.tx(v2, { type: 'cut', height: 1 })]);
  t.deepEqual(chain.codes(block), ['ok', 'NOT_PROPOSER']);
});
