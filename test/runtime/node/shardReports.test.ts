import test from 'ava';
import { readShard } from '../../../actors/index.ts';
import { proposalHashOf, signedBytesOf, signTx } from '../../../log/index.ts';
import { equivocationsOf, fittingReport, quorumOf, reportedBlocksOf, type ReportSource } from '../../../runtime/node/shardReports.ts';
import { defaultMaxTxBytes, type BlockHeader, type Certificate } from '../../../schemas/index.ts';
import { key } from '../../actors/ledger/chain.ts';
import { branchedParent, reportOpOf } from '../../actors/shard/childChain.ts';

// What a child validator reports, from what its node holds (block headers, certificates): the
// reports the parent's fold takes, batched to the parent's tx size.

const owner = key(61);
const validators = [key(62), key(63), key(64)];
const rules = { blockIntervalMs: 1000, reportPeriodMs: 60_000, timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 } };

/** A parent with /apps/x branched, a child of `count` blocks, and the child node's stores as a report source. */
function setup(count: number) {
  const { parent, child } = branchedParent(owner, validators, rules);
  for (let i = 0; i < count; i++) child.next();
  const headers = new Map<number, BlockHeader>(child.blocks.map(({ header: { lastRoot: _, ...sealed } }) => [sealed.height, sealed]));
  const certificates = new Map<number, Certificate>(child.blocks.map((b) => [b.header.height, b.certificate]));
  const source: ReportSource = {
    genesis: child.chain.genesis,
    blocks: { get: (height) => (headers.has(height) ? ({ header: headers.get(height)! } as never) : undefined) },
    certificateOf: async (height) => certificates.get(height),
  };
  return { parent, child, source };
}

test('the blocks a node holds come out as the child reported them: sealed header, lastRoot, certificate', async (t) => {
  const { child, source } = setup(5);
  t.deepEqual(await reportedBlocksOf(source, 1, 5), child.blocks);
  t.deepEqual(await reportedBlocksOf(source, 3, 9), child.blocks.slice(2), 'up to the last held');
  t.deepEqual(await reportedBlocksOf(source, 7, 9), [], 'nothing above the chain');
});

test('a report fits the parent’s tx size, and the parent’s fold records it; the rest go in the next', async (t) => {
  const { parent, source } = setup(6);
  const [reporter] = validators;
  let reported = 0;
  for (let round = 0; round < 6 && reported < 6; round++) {
    const blocks = await reportedBlocksOf(source, reported + 1, 6);
    const envelope = { key: reporter!, chain: 'ain-test', shard: '/', nonce: round + 1, time: parent.time };
    const fit = fittingReport(envelope, '/apps/x', blocks, defaultMaxTxBytes)!;
    t.true(fit.count >= 1 && fit.count < 6, `${fit.count} blocks fit in ${defaultMaxTxBytes} bytes`);
    const tx = signTx({ ...envelope, op: fit.op });
    t.deepEqual(parent.codes(parent.block([tx])), ['ok']);
    reported += fit.count;
  }
  t.is(readShard(parent.ledger.tree, '/apps/x')!.context.last.height, 6);
});

test('a limit too small for one block and its certificate gives no report', async (t) => {
  const { source } = setup(1);
  const blocks = await reportedBlocksOf(source, 1, 1);
  t.is(fittingReport({ key: validators[0]!, chain: 'ain-test', shard: '/', nonce: 1, time: 1 }, '/apps/x', blocks, 512), null);
  t.is(fittingReport({ key: validators[0]!, chain: 'ain-test', shard: '/', nonce: 1, time: 1 }, '/apps/x', [], 4096), null);
});

test('a fork the parent took: its certificate against the child’s own gives each same-round double precommit as evidence, which the child’s ledger commits', (t) => {
  const { parent, child } = setup(2);
  const [v1, v2, v3] = validators as [ReturnType<typeof key>, ReturnType<typeof key>, ReturnType<typeof key>];
  // Another block 2 on the same block 1, certified in round 0 by all three: they equivocated.
  const rival = child.blocks[1]!;
  const forged = { ...rival.header, time: rival.header.time + 7 };
  const { lastRoot, ...sealed } = forged;
  const proposal = proposalHashOf({
    chain: sealed.chain,
    shard: sealed.shard,
    height: 2,
    prevHash: sealed.prevHash,
    txRoot: sealed.txRoot,
    recordsRoot: sealed.recordsRoot,
    time: sealed.time,
    proposer: sealed.proposer,
    lastRoot,
  });
  const p = parent.block([
    parent.tx(v1, reportOpOf('/apps/x', child.blocks[0]!, child.blocks[1]!)),
    parent.tx(v2, reportOpOf('/apps/x', { header: forged, certificate: child.certify(2, proposal) })),
  ]);
  t.deepEqual(parent.codes(p), ['ok', 'ok']);
  const { state, context } = readShard(parent.ledger.tree, '/apps/x')!;
  t.is(state, 'forked');
  const kept = context.fork!.certificate as Certificate;
  t.is(kept.hash, proposal, 'the parent keeps the certificate of the block reported second');

  const found = equivocationsOf(child.blocks[1]!.certificate, kept);
  t.deepEqual(found.map((e) => e.a.from).sort(), [v1.address, v2.address, v3.address].sort());
  t.true(found.every((e) => e.a.round === e.b.round && e.a.hash !== e.b.hash));
  t.deepEqual(equivocationsOf(child.blocks[1]!.certificate, child.certify(2, proposal, [v1, v2, v3], 1)), [], 'a later round’s precommits are no evidence');
  t.deepEqual(equivocationsOf(child.blocks[1]!.certificate, child.blocks[1]!.certificate), [], 'the same certificate');

  // On the child, evidence from any signer burns the double-signers' stake.
  child.next(found.map((evidence) => child.tx(owner, { type: 'evidence', evidence })));
  for (const v of [v1, v2, v3]) t.is(child.chain.ledger.tree.get(`/accounts/${v.address}/stake`) ?? '0', '0', `${v.address} slashed on the child`);
});

test('a block too large for one report alone (four signers and a rules change, say) goes with its certificate cut to a quorum, which the parent takes', (t) => {
  const four = [...validators, key(65)];
  const { parent, child } = branchedParent(owner, four, rules);
  child.next();
  child.next([child.tx(owner, { type: 'shardRules', rules: { ...rules, reportPeriodMs: 90_000 } })]);
  const carrying = child.next();
  t.truthy(carrying.rules);
  t.deepEqual(parent.codes(parent.block([parent.tx(four[0]!, reportOpOf('/apps/x', child.blocks[0]!, child.blocks[1]!))])), ['ok']);
  const envelope = { key: four[0]!, chain: 'ain-test', shard: '/', nonce: 9, time: parent.time };
  // A parent whose limit is one byte short of the whole block with its four precommits.
  const whole = signTx({ ...envelope, op: reportOpOf('/apps/x', carrying) as never });
  const limit = signedBytesOf(whole).length - 1;
  t.is(fittingReport(envelope, '/apps/x', [carrying], limit), null, 'alone, it does not fit');
  const powers = new Map(four.map((k) => [k.address, 10n]));
  const fit = fittingReport(envelope, '/apps/x', [carrying], limit, () => powers)!;
  t.is(fit.count, 1);
  t.is((fit.op.certificate as Certificate).votes.length, 3, 'three of four equal powers are more than 2/3');
  t.is(
    fittingReport(envelope, '/apps/x', [carrying], limit, () => null),
    null,
    'without the powers of its height, no cut',
  );
  t.deepEqual(parent.codes(parent.block([signTx({ ...envelope, op: fit.op })])), ['ok']);
  t.like(readShard(parent.ledger.tree, '/apps/x')!.context, { last: { height: 3 }, pending: { version: 1 } });
});

test('quorumOf keeps the largest powers first until more than 2/3, in address order; short of a quorum it changes nothing', (t) => {
  const { child } = setup(1);
  const [a, b, c] = validators.map((k) => k.address) as [string, string, string];
  const certificate = child.blocks[0]!.certificate;
  const cut = quorumOf(
    certificate,
    new Map([
      [a, 5n],
      [b, 1n],
      [c, 1n],
    ]),
  );
  t.deepEqual(
    cut.votes.map((v) => v.from),
    [a],
    '5 of 7 is more than 2/3',
  );
  const two = quorumOf(
    certificate,
    new Map([
      [a, 1n],
      [b, 1n],
      [c, 1n],
      [key(99).address, 1n],
    ]),
  );
  t.is(two.votes.length, 3);
  t.deepEqual(
    two.votes.map((v) => v.from),
    [...two.votes.map((v) => v.from)].sort(),
  );
  t.is(
    quorumOf(
      certificate,
      new Map([
        [a, 1n],
        [key(98).address, 9n],
      ]),
    ),
    certificate,
  );
});
