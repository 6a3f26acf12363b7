import test from 'ava';
import { genesisHashOf, genesisRootOf, listShards, proposalHashOfShardHeader, readShard, shardGenesisOf, type PersistedShard } from '../../../actors/index.ts';
import { blockHashOf, checkTx, txHashOf } from '../../../log/index.ts';
import { ShardRules, type AinError, type Op, type ReportedBlock, type ShardEvent, type Tx } from '../../../schemas/index.ts';
import { key, TestChain, type AppliedBlock } from '../ledger/chain.ts';
import { ChildChain } from './childChain.ts';

// The parent's side of shards: branch records a shard and closes its path to state ops, reports
// move its last reported header when more than 2/3 of the child's stake certified them, and the
// ShardMachine goes branched → reporting → stalled | forked → ended, in block time.

const owner = key(41);
const stranger = key(42);
const [c1, c2, c3] = [key(51), key(52), key(53)];
const outsider = key(54);
const rules = { blockIntervalMs: 1000, reportPeriodMs: 10_000, timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 } };
const validators = [
  { address: c1.address, stake: '10' },
  { address: c2.address, stake: '10' },
  { address: c3.address, stake: '10' },
];
const genesis = {
  chain: 'ain-test',
  owner: owner.address,
  accounts: { [owner.address]: { balance: '100', stake: '100' }, [stranger.address]: { balance: '100' } },
  proposers: [owner.address],
  block: {},
  rules: { '/apps': true },
};
const branchOp = (path = '/apps/x'): Op => ({ type: 'branch', path, validators, rules });
const reportOp = (first: ReportedBlock, ...next: ReportedBlock[]): Op => ({
  type: 'report',
  shard: '/apps/x',
  header: first.header,
  certificate: first.certificate,
  ...(next.length === 0 ? {} : { next }),
});

/** A parent with /apps/x branched in its block 1, and the child chain that branch derives. */
function branched(): { parent: TestChain; child: ChildChain; branch: Tx; block: AppliedBlock } {
  const parent = new TestChain(genesis);
  const branch = parent.tx(owner, branchOp());
  const block = parent.block([branch]);
  return { parent, child: new ChildChain(branch, [c1, c2, c3]), branch, block };
}

const shardOf = (parent: TestChain): PersistedShard => readShard(parent.ledger.tree, '/apps/x')!;
const types = (events: readonly ShardEvent[]) => events.map((e) => e.type);

test('branch records the shard under /shards/<path> with the genesis derived from the tx alone', (t) => {
  const { parent, child, branch, block } = branched();
  t.deepEqual(parent.codes(block), ['ok']);
  const shard = shardOf(parent);
  t.is(shard.state, 'branched');
  const childGenesis = shardGenesisOf(branch);
  t.is(shard.context.genesis, genesisHashOf(childGenesis));
  t.is(shard.context.genesis, child.genesisHash);
  t.deepEqual(shard.context.last, { height: 0, hash: child.genesisHash, proposal: '', stateRoot: genesisRootOf(childGenesis), time: 0 });
  t.deepEqual(shard.context.validators, validators);
  t.deepEqual(shard.context.rules, rules);
  t.is(shard.context.deadline, block.header.time + rules.reportPeriodMs);
  t.is(typeof parent.ledger.tree.get('/shards/apps/x'), 'string', 'the record is in the state tree, so the root covers it');
  // The child keeps the chain id with shard = path, its validators as proposers, the branch tx's hash.
  t.like(childGenesis, { chain: 'ain-test', shard: '/apps/x', owner: owner.address, proposers: [c1.address, c2.address, c3.address] });
  t.deepEqual(childGenesis.branch, { tx: txHashOf(branch), rules });
  t.deepEqual(block.shardEvents, [
    { type: 'branched', shard: '/apps/x', by: owner.address, tx: txHashOf(branch), genesis: child.genesisHash, validators, height: 1, time: block.header.time },
  ]);
});

test('the parent refuses state ops at, under and value writes above a live shard with SHARDED_PATH', (t) => {
  const { parent } = branched();
  const b = parent.block([
    parent.tx(owner, { type: 'set_value', path: '/apps/x/a', value: 1 }),
    parent.tx(owner, { type: 'set_value', path: '/apps/x', value: 1 }),
    parent.tx(owner, { type: 'set_rule', path: '/apps/x/$y', value: { write: true } }),
    parent.tx(owner, {
      type: 'set',
      ops: [
        { type: 'set_value', path: '/apps/y', value: 1 },
        { type: 'inc_value', path: '/apps/x/n', value: 1 },
      ],
    }),
    parent.tx(owner, { type: 'set_value', path: '/apps', value: { y: 1 } }),
    parent.tx(owner, { type: 'set_value', path: '/apps/y', value: 2 }),
    parent.tx(owner, { type: 'set_rule', path: '/apps', value: { write: true } }),
    parent.tx(owner, { type: 'set_value', path: '/shards/apps/x', value: 'mine' }),
  ]);
  t.deepEqual(parent.codes(b), ['SHARDED_PATH', 'SHARDED_PATH', 'SHARDED_PATH', 'SHARDED_PATH', 'SHARDED_PATH', 'ok', 'ok', 'RESERVED_PATH']);
  t.regex(b.outcomes[0]!.code === 'ok' ? '' : b.outcomes[0]!.message, /the shard \/apps\/x \(genesis [0-9a-f]{16}…/);
  t.is(parent.ledger.tree.get('/apps/y'), 2);
});

test('branch needs branch_owner, a path of the tree’s own, and no overlap with a live shard', (t) => {
  const { parent } = branched();
  const b = parent.block([
    parent.tx(stranger, branchOp('/apps/z')),
    parent.tx(owner, branchOp('/')),
    parent.tx(owner, branchOp('/jobs/x')),
    parent.tx(owner, branchOp('/apps/x')),
    parent.tx(owner, branchOp('/apps/x/y')),
    parent.tx(owner, branchOp('/apps')),
    parent.tx(owner, branchOp(`/apps/${'d/'.repeat(30)}e`)),
    parent.tx(owner, branchOp('/apps/$z')),
    parent.tx(owner, branchOp('/apps/z')),
  ]);
  t.deepEqual(parent.codes(b), [
    'OWNER_DENIED',
    'BAD_BRANCH',
    'BAD_BRANCH',
    'SHARDED_PATH',
    'SHARDED_PATH',
    'SHARDED_PATH',
    'BAD_BRANCH',
    'INVALID_PATH',
    'ok',
  ]);
  t.deepEqual(types(b.shardEvents), ['branched']);
});

test('rules are validated at the boundary with a sentence naming the field', (t) => {
  t.false(ShardRules.safeParse({ ...rules, reportPeriodMs: 500 }).success);
  const tooShort = ShardRules.safeParse({ ...rules, blockIntervalMs: 20_000, reportPeriodMs: 10_000 });
  t.false(tooShort.success);
  t.regex(tooShort.error!.issues[0]!.message, /at least blockIntervalMs/);
  t.false(ShardRules.safeParse({ ...rules, timeouts: { ...rules.timeouts, proposeMs: 1 } }).success);
  t.false(ShardRules.safeParse({ ...rules, extra: 1 }).success);
  // Refused at the boundary with the field named; a raw producer's copy is BAD_SCHEMA in its block.
  const parent = new TestChain(genesis);
  const bad = parent.tx(owner, { type: 'branch', path: '/apps/x', validators, rules: { ...rules, reportPeriodMs: 10 } } as Op);
  const error = t.throws(() => checkTx(bad)) as AinError;
  t.is(error.code, 'BAD_SCHEMA');
  t.regex(error.message, /op\.rules\.reportPeriodMs": must be at least 1000 ms/);
  const twice = parent.tx(owner, { type: 'branch', path: '/apps/x', validators: [validators[0]!, validators[0]!], rules } as Op);
  t.regex((t.throws(() => checkTx(twice)) as AinError).message, /op\.validators": must not list a validator twice/);
  t.deepEqual(parent.codes(parent.block([bad])), ['BAD_SCHEMA']);
});

test('reports move the last reported header, one at a time or as a batch; the parent’s proposal hash is the child’s', (t) => {
  const { parent, child } = branched();
  const [b1, b2, b3] = [child.next(), child.next(), child.next()];
  t.deepEqual(
    [b1, b2, b3].map((b) => proposalHashOfShardHeader(b.header)),
    child.proposals,
  );
  const p2 = parent.block([parent.tx(c1, reportOp(b1))]);
  t.deepEqual(parent.codes(p2), ['ok']);
  t.is(shardOf(parent).state, 'reporting');
  const p3 = parent.block([parent.tx(c2, reportOp(b2, b3))]);
  t.deepEqual(parent.codes(p3), ['ok']);
  const { last, reportedAt, deadline } = shardOf(parent).context;
  const { lastRoot: _, ...sealed } = b3.header;
  t.deepEqual(last, { height: 3, hash: blockHashOf(sealed), proposal: child.proposals[2], stateRoot: b3.header.stateRoot, time: b3.header.time });
  t.is(last.hash, child.chain.position.prevHash, 'the child’s own hash of its block 3');
  t.is(reportedAt, p3.header.time);
  t.is(deadline, p3.header.time + rules.reportPeriodMs);
  t.deepEqual(p3.shardEvents, [
    { type: 'reported', shard: '/apps/x', by: c2.address, childFrom: 2, childTo: 3, hash: last.hash, height: p3.header.height, time: p3.header.time },
  ]);
});

test('a certificate under 2/3, a skipped height, a broken prevHash or lastRoot, a stranger, another shard: each refused with its code', (t) => {
  const { parent, child } = branched();
  const [b1, b2] = [child.next(), child.next()];
  const twoOfThree = { ...b1, certificate: child.certify(1, child.proposals[0]!, [c1, c2]) };
  const wrongHash = { ...b1, certificate: child.certify(1, child.proposals[1]!) };
  const brokenPrev = { header: { ...b1.header, prevHash: 'e'.repeat(64) }, certificate: b1.certificate };
  const brokenRoot = { header: { ...b1.header, lastRoot: 'e'.repeat(64) }, certificate: b1.certificate };
  const otherShard = { header: { ...b1.header, shard: '/apps/y' }, certificate: b1.certificate };
  const p = parent.block([
    parent.tx(c1, reportOp(twoOfThree)),
    parent.tx(c1, reportOp(wrongHash)),
    parent.tx(c1, reportOp(b2)),
    parent.tx(c1, reportOp(brokenPrev)),
    parent.tx(c1, reportOp(brokenRoot)),
    parent.tx(outsider, reportOp(b1)),
    parent.tx(c1, reportOp(otherShard)),
    parent.tx(c1, reportOp(b2, b1)),
    parent.tx(c1, { type: 'report', shard: '/apps/nope', header: b1.header, certificate: b1.certificate }),
  ]);
  t.deepEqual(parent.codes(p), [
    'BAD_CERTIFICATE',
    'BAD_CERTIFICATE',
    'REPORT_GAP',
    'BAD_PREV_HASH',
    'BAD_PREV_HASH',
    'NOT_VALIDATOR',
    'BAD_REPORT',
    'BAD_REPORT',
    'UNKNOWN_SHARD',
  ]);
  const messages = p.outcomes.map((o) => ('message' in o ? o.message : ''));
  t.regex(messages[0]!, /carry 20 of 30 voting power, not more than 2\/3/);
  t.regex(messages[2]!, /child block 2, but the last block \/apps\/x reported is 0; report 1 first/);
  t.is(shardOf(parent).context.last.height, 0, 'nothing refused changed the shard');
  t.deepEqual(p.shardEvents, []);
});

test('any child validator may report; the first valid report of a height wins, the others are ALREADY_REPORTED', (t) => {
  const { parent, child } = branched();
  const [b1, b2] = [child.next(), child.next()];
  const p = parent.block([parent.tx(c3, reportOp(b1)), parent.tx(c2, reportOp(b1)), parent.tx(c1, reportOp(b1, b2)), parent.tx(c2, reportOp(b1, b2))]);
  t.deepEqual(parent.codes(p), ['ok', 'ALREADY_REPORTED', 'ok', 'ALREADY_REPORTED']);
  t.deepEqual(
    p.shardEvents.map((e) => e.type === 'reported' && [e.by, e.childFrom, e.childTo]),
    [
      [c3.address, 1, 1],
      [c1.address, 2, 2],
    ],
  );
  // A certificate of two of three is not enough; of another round, for the same proposal, it is the same block.
  const again = { ...b2, certificate: child.certify(2, child.proposals[1]!, [c1, c2, c3], 3) };
  t.deepEqual(parent.codes(parent.block([parent.tx(c3, reportOp(again))])), ['ALREADY_REPORTED']);
});

test('a tip reported with forged roots is restated by a report whose next block links to the true one', (t) => {
  const { parent, child } = branched();
  const [b1, b2] = [child.next(), child.next()];
  // The proposal (and so the certificate) does not cover block 1's own state root: only block 2's does.
  const forged = { header: { ...b1.header, stateRoot: 'f'.repeat(64) }, certificate: b1.certificate };
  const p = parent.block([parent.tx(c3, reportOp(forged)), parent.tx(c1, reportOp(b2)), parent.tx(c1, reportOp(b1)), parent.tx(c1, reportOp(b1, b2))]);
  t.deepEqual(parent.codes(p), ['ok', 'BAD_PREV_HASH', 'ALREADY_REPORTED', 'ok']);
  t.deepEqual(
    p.shardEvents.map((e) => e.type === 'reported' && [e.childFrom, e.childTo]),
    [
      [1, 1],
      [1, 2],
    ],
  );
  t.is(shardOf(parent).context.last.hash, child.chain.position.prevHash);
});

test('two different certified headers of one child height mark the shard forked; its owners close it; its path is the parent’s again', (t) => {
  const { parent, child, branch } = branched();
  const other = new ChildChain(branch, [c1, c2, c3]);
  const [a1, a2] = [child.next(), child.next()];
  other.next(undefined, a1.header.time);
  const o2 = other.next(undefined, a2.header.time + 7); // another block 2 on the same block 1: the validators equivocated
  t.is(o2.header.prevHash, a2.header.prevHash);
  const p = parent.block([parent.tx(c1, reportOp(a1, a2)), parent.tx(c2, reportOp(o2))]);
  t.deepEqual(parent.codes(p), ['ok', 'ok']);
  t.deepEqual(p.shardEvents[1], {
    type: 'forked',
    shard: '/apps/x',
    by: c2.address,
    childHeight: 2,
    recorded: child.proposals[1]!,
    reported: other.proposals[1]!,
    height: p.header.height,
    time: p.header.time,
  });
  t.is(shardOf(parent).state, 'forked');
  t.is(shardOf(parent).context.deadline, null, 'a forked shard does not stall');
  const a3 = child.next();
  const q = parent.block([
    parent.tx(c1, reportOp(a3)),
    parent.tx(stranger, { type: 'closeShard', shard: '/apps/x' }),
    parent.tx(owner, { type: 'closeShard', shard: '/apps/x' }),
    parent.tx(c1, reportOp(a3)),
    parent.tx(owner, { type: 'closeShard', shard: '/apps/x' }),
    parent.tx(owner, { type: 'set_value', path: '/apps/x/a', value: 1 }),
  ]);
  t.deepEqual(parent.codes(q), ['SHARD_FORKED', 'OWNER_DENIED', 'ok', 'SHARD_ENDED', 'SHARD_ENDED', 'ok']);
  t.deepEqual(types(q.shardEvents), ['ended']);
  t.is(shardOf(parent).state, 'ended');
  t.is(parent.ledger.tree.get(`/consensus/shards/${child.genesisHash}`), null, 'an ended shard’s headers are let go');
  // Branched again: a new genesis, since the tx differs.
  parent.block([parent.tx(owner, { type: 'set_value', path: '/apps/x', value: null })]);
  const again = parent.tx(owner, branchOp());
  const r = parent.block([again]);
  t.deepEqual(parent.codes(r), ['ok']);
  t.not(shardOf(parent).context.genesis, child.genesisHash);
  t.is(shardOf(parent).state, 'branched');
});

test('a path branched again with the same validator keys takes none of the closed shard’s certificates or attestations: replayed, they prove nothing (not a fork), and its votes are no evidence on the new chain', (t) => {
  const { parent, child } = branched();
  const [a1, a2] = [child.next(), child.next()];
  t.deepEqual(parent.codes(parent.block([parent.tx(c1, reportOp(a1, a2))])), ['ok']);
  t.deepEqual(parent.codes(parent.block([parent.tx(owner, { type: 'closeShard', shard: '/apps/x' })])), ['ok']);
  const again = parent.tx(owner, branchOp());
  t.deepEqual(parent.codes(parent.block([again])), ['ok']);
  const next = new ChildChain(again, [c1, c2, c3]);
  t.not(next.genesisHash, child.genesisHash);
  const [b1, b2] = [next.next(), next.next()];
  t.deepEqual(parent.codes(parent.block([parent.tx(c2, reportOp(b1, b2))])), ['ok']);
  // The closed shard's blocks 1 and 2, certified by the same keys (and attested, as a child on Kafka
  // would): at heights the new shard recorded, they would be forks if their votes counted here.
  const replayed = parent.block([parent.tx(c3, reportOp(a2)), parent.tx(c3, reportOp(a1)), parent.tx(c3, reportOp(child.attested(a2)))]);
  t.deepEqual(parent.codes(replayed), ['BAD_CERTIFICATE', 'BAD_CERTIFICATE', 'BAD_CERTIFICATE']);
  t.deepEqual(replayed.shardEvents, []);
  t.is(shardOf(parent).state, 'reporting');
  t.is(shardOf(parent).context.last.height, 2);
  // On the new chain, a validator's precommit of the closed one beside its own of one slot: no evidence.
  const [old] = child.certify(1, 'a'.repeat(64), [c1]).votes;
  const [own] = next.certify(1, 'b'.repeat(64), [c1]).votes;
  const b3 = next.next([next.tx(c2, { type: 'evidence', evidence: { a: old!, b: own! } })]);
  t.deepEqual(next.codes, ['BAD_EVIDENCE']);
  t.is(b3.header.height, 3);
});

test('a shard stalls when its report period passes in block time without a report, and a report brings it back', (t) => {
  const { parent, child, block } = branched();
  const p2 = parent.block([], block.header.time + rules.reportPeriodMs - 1);
  t.deepEqual(p2.shardEvents, []);
  const p3 = parent.block([parent.tx(c1, reportOp(child.next()))], block.header.time + rules.reportPeriodMs);
  t.deepEqual(types(p3.shardEvents), ['stalled', 'reported'], 'the deadline runs before the block’s txs');
  t.is(shardOf(parent).state, 'reporting');
  const p4 = parent.block([], p3.header.time + rules.reportPeriodMs);
  t.deepEqual(p4.shardEvents, [{ type: 'stalled', shard: '/apps/x', childHeight: 1, height: p4.header.height, time: p4.header.time }]);
  t.is(shardOf(parent).state, 'stalled');
  t.deepEqual(parent.ledger.tree.get('/consensus/shardDeadlines'), null, 'a stalled shard has no deadline');
  parent.block([parent.tx(c2, reportOp(child.next()))]);
  t.is(shardOf(parent).state, 'reporting');
  t.is(shardOf(parent).context.last.height, 2);
});

test('a snapshot taken between reports resumes to the same roots', (t) => {
  const { parent, child } = branched();
  parent.block([parent.tx(c1, reportOp(child.next()))]);
  const resumed = new TestChain(genesis, JSON.parse(JSON.stringify(parent.chain.snapshot())));
  const b2 = child.next();
  const tx = parent.tx(c1, reportOp(b2));
  const time = parent.time + 1000;
  t.is(resumed.block([tx], time).stateRoot, parent.block([tx], time).stateRoot);
  t.is(readShard(resumed.ledger.tree, '/apps/x')!.context.last.height, 2);
});

test('shards are listed by path in label order, a page after a path at a time', (t) => {
  const parent = new TestChain({ ...genesis, rules: {} });
  const paths = ['/apps/x', '/apps/b/c', '/zz', '/apps/b/d', '/a-b'];
  const block = parent.block(paths.map((p) => parent.tx(owner, branchOp(p))));
  t.deepEqual(
    parent.codes(block),
    paths.map(() => 'ok'),
  );
  const listed = (max: number, after?: string) => listShards(parent.ledger.tree, max, after).map((s) => s.context.path);
  t.deepEqual(listed(10), ['/a-b', '/apps/b/c', '/apps/b/d', '/apps/x', '/zz']);
  t.deepEqual(listed(2), ['/a-b', '/apps/b/c']);
  t.deepEqual(listed(2, '/apps/b/c'), ['/apps/b/d', '/apps/x']);
  t.deepEqual(listed(10, '/apps/b'), ['/apps/b/c', '/apps/b/d', '/apps/x', '/zz'], 'after a path that is no shard: what follows it');
  t.deepEqual(listed(10, '/apps/x'), ['/zz']);
  t.deepEqual(listed(10, '/zz'), []);
});
