import test from 'ava';
import fc from 'fast-check';
import { genesisSetOf, incrementProposerPriority, nextValidatorSet, readValidatorsAt, validatorSetOf, type PowerChange } from '../../../actors/index.ts';
import { createHash } from 'node:crypto';
import { keyPairFromSeed } from '../../../log/index.ts';
import { currentValidatorSet, readBlockRecord, validatorsMax } from '../../../projections/index.ts';
import type { Op, ValidatorSet } from '../../../schemas/index.ts';
import { key, TestChain } from './chain.ts';

// Given blocks with stake, unstake and slashing, the ledger keeps each height's validator set with
// its proposer priorities at /consensus/validators/<height>, written at the end of the block before.

const keys = [key(41), key(42), key(43), key(44)];
const [a, b, c, newcomer] = keys as [ReturnType<typeof key>, ReturnType<typeof key>, ReturnType<typeof key>, ReturnType<typeof key>];
const genesis = {
  chain: 'ain-test',
  owner: a.address,
  accounts: {
    [a.address]: { balance: '1000', stake: '30' },
    [b.address]: { balance: '1000', stake: '20' },
    [c.address]: { balance: '1000', stake: '10' },
    [newcomer.address]: { balance: '1000' },
  },
  proposers: [a.address],
  block: {},
  unbondingMs: 3000,
};

const setAt = (chain: TestChain, height: number) => readValidatorsAt(chain.ledger.tree, height);
const addressesOf = (set: ValidatorSet | null) => set?.validators.map((v) => v.address) ?? [];

/** The stakes of the accounts (not the ledger's own validator sets), as a fresh set's changes. */
function stakesOf(chain: TestChain): PowerChange[] {
  return keys
    .map((k) => ({ address: k.address, power: chain.stake(k.address).toString() }))
    .filter((s) => s.power !== '0')
    .sort((x, y) => (x.address < y.address ? -1 : 1));
}

/** The reference: the last height's set moved to the accounts' stakes by the pure rule. */
function referenceNext(set: ValidatorSet | null, stakes: readonly PowerChange[]): ValidatorSet | null {
  if (stakes.length === 0) return null;
  if (set === null) return validatorSetOf(stakes);
  const changes: PowerChange[] = stakes.filter((s) => set.validators.find((v) => v.address === s.address)?.power !== s.power);
  for (const v of set.validators) if (!stakes.some((s) => s.address === v.address)) changes.push({ address: v.address, power: '0' });
  return nextValidatorSet(set, changes);
}

test('given a genesis, block 1’s set is CometBFT’s new set of its stakes; with no stake change each block moves it by one run', (t) => {
  const chain = new TestChain(genesis);
  const first = validatorSetOf(stakesOf(chain));
  t.deepEqual(setAt(chain, 1), first);
  t.is(setAt(chain, 2), null, 'no set for a height not reached');
  const counts = new Map<string, number>();
  let expected = first;
  for (let h = 1; h <= 60; h++) {
    counts.set(setAt(chain, h)!.proposer, (counts.get(setAt(chain, h)!.proposer) ?? 0) + 1);
    chain.block([]);
    expected = nextValidatorSet(expected);
    t.deepEqual(setAt(chain, h + 1), expected, `height ${h + 1}`);
  }
  t.deepEqual(setAt(chain, 61), incrementProposerPriority(first, 60), 'a stable set: as many runs from genesis as blocks');
  t.deepEqual(
    [a, b, c].map((k) => counts.get(k.address)),
    [30, 20, 10],
    'stakes 30, 20 and 10 propose their shares of 60 heights',
  );
});

test('when a newcomer stakes in block 2, then block 3’s set holds it, behind; it does not propose block 3, then proposes its share', (t) => {
  const chain = new TestChain(genesis);
  chain.block([]);
  const block = chain.block([chain.tx(newcomer, { type: 'stake', amount: '60' })]);
  t.deepEqual(chain.codes(block), ['ok']);
  t.false(addressesOf(setAt(chain, 2)).includes(newcomer.address), 'block 2 was decided by the set before it');
  const three = setAt(chain, 3)!;
  t.true(addressesOf(three).includes(newcomer.address));
  t.not(three.proposer, newcomer.address);
  t.true(BigInt(three.validators.find((v) => v.address === newcomer.address)!.priority) < 0n, 'it starts behind: −1.125 × the total power, plus one run');
  const counts = new Map<string, number>();
  for (let h = 3; h < 3 + 120; h++) {
    counts.set(setAt(chain, h)!.proposer, (counts.get(setAt(chain, h)!.proposer) ?? 0) + 1);
    chain.block([]);
  }
  for (const [k, power] of [
    [a, 30],
    [b, 20],
    [c, 10],
    [newcomer, 60],
  ] as const) {
    t.true(Math.abs((counts.get(k.address) ?? 0) - power) <= 1, `stake ${power} proposes ${power} ± 1 of the 120 heights (the total power)`);
  }
});

test('when a validator unstakes everything, it leaves at the next height; when it adds stake, its power changes there', (t) => {
  const chain = new TestChain(genesis);
  chain.block([chain.tx(c, { type: 'unstake', amount: '10' }), chain.tx(b, { type: 'stake', amount: '5' })]);
  t.deepEqual(addressesOf(setAt(chain, 1)), addressesOf(validatorSetOf(stakesOf(new TestChain(genesis)))));
  const two = setAt(chain, 2)!;
  t.false(addressesOf(two).includes(c.address));
  t.is(two.validators.find((v) => v.address === b.address)!.power, '25');
});

test('the set holds the validatorsMax largest stakes (a tie to the lower address); a smaller one comes in when a larger one leaves', (t) => {
  // Anyone may stake: without a bound, a thousand stakes of 1 would make certificates too large for a block.
  const keyOf = (i: number) => keyPairFromSeed(createHash('sha256').update(`validator ${i}`).digest('hex'));
  const large = Array.from({ length: validatorsMax }, (_, i) => keyOf(i));
  const small = [keyOf(1000), keyOf(1001), keyOf(1002)];
  const many = {
    ...genesis,
    owner: large[0]!.address,
    accounts: Object.fromEntries([
      ...large.map((k) => [k.address, { balance: '100', stake: '10' }]),
      ...small.map((k) => [k.address, { balance: '100' }]),
      [newcomer.address, { balance: '100', stake: '1' }],
    ]),
    proposers: [large[0]!.address],
  };
  const chain = new TestChain(many);
  t.is(genesisSetOf(chain.ledger).stakes.size, validatorsMax, 'the genesis set too');
  t.false(genesisSetOf(chain.ledger).stakes.has(newcomer.address));
  t.is(genesisSetOf(chain.ledger).total, 10n * BigInt(validatorsMax));
  const staked = chain.block(small.map((k) => chain.tx(k, { type: 'stake', amount: '1' })));
  t.deepEqual(chain.codes(staked), ['ok', 'ok', 'ok'], 'they stake; their stake is locked as any');
  const two = setAt(chain, 2)!;
  t.is(two.validators.length, validatorsMax);
  t.true(large.every((k) => addressesOf(two).includes(k.address)));
  t.is(currentValidatorSet(chain.ledger.tree).stakes.size, validatorsMax, 'the voting set is the same');
  const leaving = large[7]!;
  chain.block([chain.tx(leaving, { type: 'unstake', amount: '10' })]);
  const three = setAt(chain, 3)!;
  const lowest = [...small, newcomer].sort((x, y) => (x.address < y.address ? -1 : 1))[0]!;
  t.is(three.validators.length, validatorsMax);
  t.false(addressesOf(three).includes(leaving.address));
  t.true(addressesOf(three).includes(lowest.address), 'of the stakes of 1, the lowest address');
  t.is(three.validators.find((v) => v.address === lowest.address)!.power, '1');
});

test('when no stake is left, no set is kept and the chain goes on; stake staked again starts a fresh set', (t) => {
  const solo = key(45);
  const chain = new TestChain({
    chain: 'ain-test',
    owner: solo.address,
    accounts: { [solo.address]: { balance: '10', stake: '10' } },
    proposers: [solo.address],
    block: {},
  });
  chain.block([chain.tx(solo, { type: 'unstake', amount: '10' })]);
  t.is(setAt(chain, 2), null);
  t.deepEqual(chain.codes(chain.block([chain.tx(solo, { type: 'send', to: solo.address, amount: '1' })])), ['ok']);
  t.is(setAt(chain, 3), null);
  chain.block([chain.tx(solo, { type: 'stake', amount: '4' })]);
  t.deepEqual(setAt(chain, 4), validatorSetOf([{ address: solo.address, power: '4' }]));
});

test('the sets kept are those whose block record before them is kept: pruned with the records below finality', (t) => {
  const solo = key(46);
  const chain = new TestChain({
    chain: 'ain-test',
    owner: solo.address,
    accounts: { [solo.address]: { balance: '1', stake: '1' } },
    proposers: [solo.address],
    block: {},
  });
  chain.block([]);
  for (let h = 1; h <= 80; h++)
    chain.block([chain.tx(solo, { type: 'attest', height: h, hash: chain.blocks[h - 1]!.hash, genesis: chain.ledger.genesisHash })]);
  const { height } = chain.ledger;
  t.not(setAt(chain, height + 1), null, 'the next height’s');
  t.not(setAt(chain, height), null, 'the last block’s');
  t.is(setAt(chain, 1), null, 'block 1’s is gone');
  for (let h = 2; h <= height; h++) t.is(setAt(chain, h) !== null, readBlockRecord(chain.ledger.tree, h - 1) !== null, `height ${h}`);
});

const anOp = fc.oneof(
  fc.record({ type: fc.constant('stake' as const), amount: fc.integer({ min: 0, max: 40 }).map(String) }),
  fc.record({ type: fc.constant('unstake' as const), amount: fc.integer({ min: 0, max: 40 }).map(String) }),
);
const aBlock = fc.array(fc.record({ signer: fc.nat(keys.length - 1), op: anOp }), { maxLength: 4 });

test('the fold equals the reference: at every height the set is the last one moved to the accounts’ stakes by the pure rule, and a replay from a snapshot agrees', (t) => {
  fc.assert(
    fc.property(fc.array(aBlock, { minLength: 1, maxLength: 12 }), fc.nat(), (blocks, at) => {
      const chain = new TestChain(genesis);
      let reference: ValidatorSet | null = validatorSetOf(stakesOf(chain));
      const signed = blocks.map((ops) => ops.map(({ signer, op }) => chain.tx(keys[signer]!, op as Op)));
      const cutAt = at % signed.length;
      let snapshot: ReturnType<TestChain['chain']['snapshot']> | undefined;
      const roots: string[] = [];
      for (const [i, txs] of signed.entries()) {
        if (i === cutAt) snapshot = chain.chain.snapshot();
        roots.push(chain.block(txs, 1000 * (i + 2)).stateRoot);
        reference = referenceNext(reference, stakesOf(chain));
        t.deepEqual(setAt(chain, chain.ledger.height + 1), reference, `height ${chain.ledger.height + 1}`);
      }
      const resumed = new TestChain(genesis, snapshot);
      const replayed = signed.slice(cutAt).map((txs, i) => resumed.block(txs, 1000 * (cutAt + i + 2)).stateRoot);
      t.deepEqual(replayed, roots.slice(cutAt));
    }),
    { numRuns: 60 },
  );
});
