import test from 'ava';
import { proposalHashOfShardHeader, readShard, readShardRulesRecord, shardRulesInForce } from '../../../actors/index.ts';
import { readAccount, readSupply } from '../../../projections/index.ts';
import { validatorSetAt } from '../../../runtime/consensus/validatorSets.ts';
import { consensusConfigOf } from '../../../runtime/node/consensusServices.ts';
import { Op, type ReportedBlock, type ShardRules } from '../../../schemas/index.ts';
import { signVote } from '../../../log/index.ts';
import { key } from '../ledger/chain.ts';
import { branchedParent, reportOpOf } from './childChain.ts';

// A shard changes its own consensus rules and validators by a tx on its chain (the architecture
// paper: "the nodes who have the permission to write the consensus rules for the shard may change
// the protocol"): in force two blocks later on the child, and on the parent from the same child
// height, which learns of it from the record a report proves against the block between.

const owner = key(61);
const [c1, c2, c3, c4] = [key(62), key(63), key(64), key(65)];
const rules: ShardRules = {
  blockIntervalMs: 1000,
  reportPeriodMs: 10_000,
  timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 },
};
const slower: ShardRules = { ...rules, reportPeriodMs: 30_000, timeouts: { proposeMs: 3000, prevoteMs: 2000, precommitMs: 2000, roundDeltaMs: 1000 } };
const newSet = [
  { address: c1.address, stake: '10' },
  { address: c2.address, stake: '10' },
  { address: c4.address, stake: '20' },
];

test('shardRules on the child: in force two blocks later, stakes and supply moved, timeouts read from the ledger', (t) => {
  const { child } = branchedParent(owner, [c1, c2, c3], rules);
  child.next(); // 1
  child.next([child.tx(owner, { type: 'shardRules', rules: slower, validators: newSet })]); // 2
  t.deepEqual(child.codes, ['ok']);
  const tree = () => child.chain.ledger.tree;
  t.like(readShardRulesRecord(tree()), { version: 1, from: 4, rules: slower });
  t.deepEqual(shardRulesInForce(tree(), child.chain.genesis), rules, 'not in force at height 3');
  t.is(validatorSetAt(tree(), 3).validators.length, 3);
  const supplyBefore = readSupply(tree());
  // A second change while the first waits is refused: the parent may already know of the first.
  child.next([child.tx(owner, { type: 'shardRules', rules })]); // 3
  t.deepEqual(child.codes, ['RULES_PENDING']);
  t.deepEqual(shardRulesInForce(tree(), child.chain.genesis), slower, 'in force from height 4');
  t.is(consensusConfigOf(child.chain.genesis, tree()).timeouts.proposeMs, 3000);
  t.deepEqual(
    validatorSetAt(tree(), 4)
      .validators.map((v) => [v.address, v.power])
      .sort(),
    newSet.map((v) => [v.address, v.stake]).sort(),
  );
  t.is(readAccount(tree(), c3.address).stake, 0n);
  t.is(readSupply(tree()), supplyBefore + 10n, 'c3 left with 10 of voting power, c4 came with 20');
  child.signers = [c1, c2, c4];
  child.next([child.tx(owner, { type: 'shardRules', rules: { ...slower, reportPeriodMs: 40_000 } })]); // 4: allowed again
  t.deepEqual(child.codes, ['ok']);
  t.like(readShardRulesRecord(tree()), { version: 2, from: 6, validators: { 0: newSet[0], 1: newSet[1], 2: newSet[2] } });
});

test('shardRules is refused with a code: a stranger, the block limits, a root chain; stake and unstake on a shard', (t) => {
  const { parent, child } = branchedParent(owner, [c1, c2, c3], rules);
  child.next([
    child.tx(c1, { type: 'shardRules', rules: slower }),
    child.tx(owner, { type: 'shardRules', rules: { ...slower, maxTxs: 7 } }),
    child.tx(c2, { type: 'unstake', amount: '1' }),
    child.tx(c2, { type: 'stake', amount: '1' }),
  ]);
  t.deepEqual(child.codes, ['OWNER_DENIED', 'BAD_RULES', 'SHARD_VALIDATORS', 'SHARD_VALIDATORS']);
  const block = parent.block([parent.tx(owner, { type: 'shardRules', rules: slower })]);
  t.deepEqual(parent.codes(block), ['NOT_A_SHARD']);
  t.false(Op.safeParse({ type: 'shardRules' }).success, 'a change of nothing does not parse');
  t.false(Op.safeParse({ type: 'shardRules', validators: [] }).success, 'a shard keeps at least one validator');
});

/** A child whose block 2 moves its validators to c1, c2, c4 and its rules to `slower`, and 6 blocks of it. */
function changedChild() {
  const made = branchedParent(owner, [c1, c2, c3], rules);
  const { child } = made;
  const blocks: ReportedBlock[] = [child.next(), child.next([child.tx(owner, { type: 'shardRules', rules: slower, validators: newSet })]), child.next()];
  child.signers = [c1, c2, c4];
  blocks.push(child.next(), child.next(), child.next());
  return { ...made, blocks };
}

test('the parent learns the change from the report of the block between and checks the new set from its height on', (t) => {
  const { parent, blocks } = changedChild();
  t.truthy(blocks[2]!.rules, 'block 3 carries the record block 2 wrote');
  const b = parent.block([parent.tx(c1, reportOpOf('/apps/x', blocks[0]!, ...blocks.slice(1)))]);
  t.deepEqual(parent.codes(b), ['ok']);
  const shard = readShard(parent.ledger.tree, '/apps/x')!;
  t.is(shard.context.last.height, 6);
  t.is(shard.context.version, 1);
  t.deepEqual(shard.context.validators, newSet);
  t.deepEqual(shard.context.rules, slower);
  t.is(shard.context.pending, undefined);
  t.is(shard.context.deadline, b.header.time + slower.reportPeriodMs, 'the new report period counts');
  t.like(b.shardEvents, [
    { type: 'reported', childFrom: 1, childTo: 6 },
    { type: 'rules', shard: '/apps/x', by: c1.address, version: 1, childFrom: 4, validators: newSet, rules: slower },
  ]);
});

test('reported in two parts, the change waits as pending, then holds from its height', (t) => {
  const { parent, blocks } = changedChild();
  const first = parent.block([parent.tx(c1, reportOpOf('/apps/x', blocks[0]!, blocks[1]!, blocks[2]!))]);
  t.deepEqual(parent.codes(first), ['ok']);
  let shard = readShard(parent.ledger.tree, '/apps/x')!;
  t.like(shard.context.pending, { version: 1, from: 4 });
  t.is(shard.context.version, undefined);
  t.is(shard.context.deadline, first.header.time + rules.reportPeriodMs, 'the old period until the change holds');
  t.truthy(blocks[2]!.rules);
  // c4 reports: it is not a validator yet as the parent sees it.
  const early = parent.block([parent.tx(c4, reportOpOf('/apps/x', blocks[3]!))]);
  t.deepEqual(parent.codes(early), ['NOT_VALIDATOR']);
  const second = parent.block([parent.tx(c2, reportOpOf('/apps/x', blocks[3]!, blocks[4]!))]);
  t.deepEqual(parent.codes(second), ['ok']);
  shard = readShard(parent.ledger.tree, '/apps/x')!;
  t.is(shard.context.version, 1);
  t.deepEqual(shard.context.validators, newSet);
  const third = parent.block([parent.tx(c4, reportOpOf('/apps/x', blocks[5]!))]);
  t.deepEqual(parent.codes(third), ['ok'], 'c4 reports once the parent holds it as a validator');
});

test('a report that leaves out the change, or gives a record the child did not hold, is refused', (t) => {
  const { parent, blocks } = changedChild();
  const { rules: _dropped, ...bare } = blocks[2]!;
  const left = parent.block([parent.tx(c1, reportOpOf('/apps/x', blocks[0]!, blocks[1]!, bare, blocks[3]!))]);
  t.deepEqual(parent.codes(left), ['BAD_CERTIFICATE'], 'block 4 is signed by c4, whom the parent does not know');
  const forged = {
    ...blocks[2]!,
    rules: { ...blocks[2]!.rules!, record: { ...blocks[2]!.rules!.record, validators: { 0: { address: c1.address, stake: '100' } } } },
  };
  const lie = parent.block([parent.tx(c1, reportOpOf('/apps/x', blocks[0]!, blocks[1]!, forged))]);
  t.deepEqual(parent.codes(lie), ['BAD_REPORT']);
  t.regex(JSON.stringify(lie.outcomes[0]), /not what the child held at \/consensus\/rules/);
  t.is(readShard(parent.ledger.tree, '/apps/x')!.context.last.height, 0, 'nothing recorded');
});

test('a report whose first block carries the change: learned the same', (t) => {
  const { parent, blocks } = changedChild();
  const one = parent.block([parent.tx(c1, reportOpOf('/apps/x', blocks[0]!, blocks[1]!))]);
  const two = parent.block([parent.tx(c1, reportOpOf('/apps/x', blocks[2]!))]);
  t.deepEqual([...parent.codes(one), ...parent.codes(two)], ['ok', 'ok']);
  t.like(readShard(parent.ledger.tree, '/apps/x')!.context.pending, { version: 1, from: 4 });
  const three = parent.block([parent.tx(c4, reportOpOf('/apps/x', blocks[3]!, blocks[4]!, blocks[5]!))]);
  t.deepEqual(parent.codes(three), ['NOT_VALIDATOR'], 'c4 is not the shard’s validator before block 4 is recorded');
  const four = parent.block([parent.tx(c2, reportOpOf('/apps/x', blocks[3]!, blocks[4]!, blocks[5]!))]);
  t.deepEqual(parent.codes(four), ['ok']);
  t.like(readShard(parent.ledger.tree, '/apps/x')!.context, { version: 1, validators: newSet, last: { height: 6 } });
});

/** Evidence that `who` precommitted two blocks at child height 1, round 0. */
function doubleSign(child: ReturnType<typeof branchedParent>['child'], who: typeof c1): Op {
  const { chain, shard } = child.chain.genesis;
  const [a, b] = ['aa', 'bb'].map((fill) =>
    signVote(who, { chain, shard, height: 1, round: 0, kind: 'precommit', hash: fill.repeat(32) }, child.chain.ledger.genesisHash),
  );
  return { type: 'evidence', evidence: { a: a!, b: b! } };
}

test('a validator slashed on the child keeps its power until a record without it is in force, which the parent follows', (t) => {
  const { parent, child } = branchedParent(owner, [c1, c2, c3], rules);
  const blocks = [child.next(), child.next([child.tx(c1, doubleSign(child, c3))])]; // 2: c3 slashed
  t.deepEqual(child.codes, ['ok']);
  const tree = () => child.chain.ledger.tree;
  t.is(readAccount(tree(), c3.address).stake, 0n, 'its stake is burned at once');
  t.is(validatorSetAt(tree(), 3).validators.length, 3, 'its power stays for height 3');
  t.like(readShardRulesRecord(tree()), { version: 1, from: 4, validators: { 0: { address: c1.address }, 1: { address: c2.address } } });
  blocks.push(child.next()); // 3: signed by all three, carries the record
  t.truthy(blocks[2]!.rules);
  t.is(validatorSetAt(tree(), 4).validators.length, 2);
  child.signers = [c1, c2];
  blocks.push(child.next(), child.next()); // 4, 5: c1 and c2 alone, 20 of the old 30 (not more than 2/3 of it)
  const b = parent.block([parent.tx(c1, reportOpOf('/apps/x', blocks[0]!, ...blocks.slice(1)))]);
  t.deepEqual(parent.codes(b), ['ok']);
  t.like(readShard(parent.ledger.tree, '/apps/x')!.context, {
    version: 1,
    validators: [{ address: c1.address }, { address: c2.address }],
    last: { height: 5 },
  });
  child.next([
    child.tx(owner, {
      type: 'shardRules',
      validators: [
        { address: c3.address, stake: '10' },
        { address: c1.address, stake: '10' },
      ],
    }),
  ]);
  t.deepEqual(child.codes, ['BAD_RULES'], 'a slashed validator is not taken back');
});

test('a slashing while a change waits keeps that change as the prior: each holds from its height, on the child and the parent', (t) => {
  const { parent, child } = branchedParent(owner, [c1, c2, c3, c4], rules);
  const blocks = [child.next(), child.next([child.tx(owner, { type: 'shardRules', rules: slower })])]; // 2: v1 from 4
  blocks.push(child.next([child.tx(c1, doubleSign(child, c4))])); // 3: c4 slashed, v2 from 5 with prior v1
  const tree = () => child.chain.ledger.tree;
  t.like(readShardRulesRecord(tree()), { version: 2, from: 5, rules: slower, prior: { version: 1, from: 4 } });
  t.deepEqual(shardRulesInForce(tree(), child.chain.genesis), slower, 'the prior is in force at height 4');
  t.is(validatorSetAt(tree(), 4).validators.length, 4);
  blocks.push(child.next()); // 4
  t.is(validatorSetAt(tree(), 5).validators.length, 3);
  child.signers = [c1, c2, c3];
  blocks.push(child.next(), child.next()); // 5, 6
  const b = parent.block([parent.tx(c2, reportOpOf('/apps/x', blocks[0]!, ...blocks.slice(1)))]);
  t.deepEqual(parent.codes(b), ['ok']);
  const shard = readShard(parent.ledger.tree, '/apps/x')!.context;
  t.like(shard, { version: 2, rules: slower, last: { height: 6 } });
  t.deepEqual(
    shard.validators.map((v) => v.address),
    [c1, c2, c3].map((c) => c.address),
  );
  t.like(b.shardEvents, [{ type: 'reported' }, { type: 'rules', version: 1, childFrom: 4 }, { type: 'rules', version: 2, childFrom: 5 }]);
});

test('raised, then slashed while the raise waits: the child runs height 4 by the raise, as the parent checks it', (t) => {
  const { parent, child } = branchedParent(owner, [c1, c2, c3], rules);
  const raised = [c1, c2].map((c) => ({ address: c.address, stake: '10' })).concat({ address: c3.address, stake: '40' });
  const blocks = [child.next(), child.next([child.tx(owner, { type: 'shardRules', validators: raised })])]; // 2: v1 from 4
  blocks.push(child.next([child.tx(c1, doubleSign(child, c3))])); // 3: c3 slashed, v2 from 5 without it
  const powers = (set: { validators: readonly { address: string; power: string }[] }) => set.validators.map((v) => [v.address, v.power]).sort();
  t.deepEqual(powers(validatorSetAt(child.chain.ledger.tree, 4)), raised.map((v) => [v.address, v.stake]).sort(), 'v1 as listed, c3 included');
  child.signers = [c1, c3];
  blocks.push(child.next()); // 4: c1 + c3 are 50 of 60
  child.signers = [c1, c2];
  blocks.push(child.next()); // 5: v2, c1 and c2 alone
  const b = parent.block([parent.tx(c1, reportOpOf('/apps/x', blocks[0]!, ...blocks.slice(1)))]);
  t.deepEqual(parent.codes(b), ['ok']);
  t.like(readShard(parent.ledger.tree, '/apps/x')!.context, { version: 2, last: { height: 5 } });
});

test('a report that left the change out: the recorded tip sent again with it lets the next blocks through', (t) => {
  const { parent, blocks } = changedChild();
  const { rules: _dropped, ...bare } = blocks[2]!;
  const first = parent.block([parent.tx(c1, reportOpOf('/apps/x', blocks[0]!, blocks[1]!, bare))]);
  t.deepEqual(parent.codes(first), ['ok']);
  t.deepEqual(parent.codes(parent.block([parent.tx(c1, reportOpOf('/apps/x', blocks[3]!))])), ['BAD_CERTIFICATE']);
  const alone = parent.block([parent.tx(c2, reportOpOf('/apps/x', blocks[2]!))]);
  t.deepEqual(parent.codes(alone), ['ok'], 'the tip again, with the change: nothing new but the rules');
  t.like(alone.shardEvents, [{ type: 'rules', version: 1, childFrom: 4 }]);
  t.like(readShard(parent.ledger.tree, '/apps/x')!.context, { pending: { version: 1 }, last: { height: 3 } });
  const rest = parent.block([parent.tx(c1, reportOpOf('/apps/x', blocks[3]!, blocks[4]!, blocks[5]!))]);
  t.deepEqual(parent.codes(rest), ['ok']);
  t.like(readShard(parent.ledger.tree, '/apps/x')!.context, { version: 1, last: { height: 6 } });
});

test('a fork of a height before the change is judged by the set that decided it', (t) => {
  for (const [signers, code, state] of [
    [[c1, c2, c3], 'ok', 'forked'],
    [[c1, c2, c4], 'BAD_CERTIFICATE', 'reporting'],
  ] as const) {
    const { parent, child, blocks } = changedChild();
    t.deepEqual(parent.codes(parent.block([parent.tx(c1, reportOpOf('/apps/x', blocks[0]!, ...blocks.slice(1)))])), ['ok']);
    const header = { ...blocks[1]!.header, time: blocks[1]!.header.time + 1 };
    const other = { header, certificate: child.certify(2, proposalHashOfShardHeader(header), signers) };
    const b = parent.block([parent.tx(c1, reportOpOf('/apps/x', other))]);
    t.deepEqual(parent.codes(b), [code]);
    t.is(readShard(parent.ledger.tree, '/apps/x')!.state, state);
  }
});

test('a one-validator shard slashed, then its rules changed in the same block: refused, and the fold holds', (t) => {
  const { child } = branchedParent(owner, [c1], rules);
  child.next();
  child.next([child.tx(owner, doubleSign(child, c1)), child.tx(owner, { type: 'shardRules', rules: slower })]);
  t.deepEqual(child.codes, ['ok', 'BAD_RULES']);
  t.is(readShardRulesRecord(child.chain.ledger.tree), null);
});

test('a change proved only after its height holds from the next block on', (t) => {
  const { parent, child } = branchedParent(owner, [c1, c2, c3], rules);
  const raised = [c1, c2].map((c) => ({ address: c.address, stake: '10' })).concat({ address: c3.address, stake: '40' });
  const blocks = [child.next(), child.next([child.tx(owner, { type: 'shardRules', validators: raised })]), child.next(), child.next()]; // v1 holds from 4
  const late = { record: readShardRulesRecord(child.chain.ledger.tree)!, proof: child.chain.ledger.tree.proof('/consensus/rules') as never };
  blocks.push({ ...child.next(), rules: late }); // 5: proved against its lastRoot, the root after 4
  child.signers = [c1, c3]; // 50 of 60 under v1; 20 of 30 under the branch's set
  blocks.push(child.next()); // 6
  const bare = blocks.map(({ rules: _r, ...b }, i) => (i === 4 ? blocks[4]! : b));
  const b = parent.block([parent.tx(c1, reportOpOf('/apps/x', bare[0]!, ...bare.slice(1)))]);
  t.deepEqual(parent.codes(b), ['ok'], 'block 6 checks against v1, learned with block 5');
  t.like(readShard(parent.ledger.tree, '/apps/x')!.context, { version: 1, since: 4, last: { height: 6 } });
});
