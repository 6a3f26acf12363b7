import test from 'ava';
import { blockHashOfShardHeader, readShard } from '../../../actors/index.ts';
import { signTx } from '../../../log/index.ts';
import { attestationsOf, attestEquivocationsOf, quorumOf } from '../../../runtime/node/shardReports.ts';
import type { BlockView } from '../../../runtime/node/blockStore.ts';
import { reportedAttestOf, type AttestCertificate, type ReportedBlock, type ShardRules, type SignedAttest } from '../../../schemas/index.ts';
import { key } from '../ledger/chain.ts';
import { branchedParent, ChildChain, reportOpOf } from './childChain.ts';

// A shard on Kafka proves its blocks to the parent by attestations: the `attest` txs of more than
// 2/3 of the set after each block, signed for the child's chain over its sealed header's hash.

const owner = key(71);
const [c1, c2, c3, c4] = [key(72), key(73), key(74), key(75)];
const rules: ShardRules = {
  blockIntervalMs: 1000,
  reportPeriodMs: 10_000,
  timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 },
};

/** A parent with /apps/x branched to c1, c2, c3, and `count` child blocks attested by all three. */
function attestedChild(count: number) {
  const made = branchedParent(owner, [c1, c2, c3], rules);
  const blocks = Array.from({ length: count }, () => made.child.attested(made.child.next()));
  return { ...made, blocks };
}

const codeOf = (parent: ReturnType<typeof branchedParent>['parent'], from: typeof c1, ...blocks: ReportedBlock[]) =>
  parent.codes(parent.block([parent.tx(from, reportOpOf('/apps/x', blocks[0]!, ...blocks.slice(1)))]))[0];

test('child blocks proved by attestations are recorded with their hash', (t) => {
  const { parent, blocks } = attestedChild(3);
  t.is(codeOf(parent, c2, ...blocks), 'ok');
  const shard = readShard(parent.ledger.tree, '/apps/x')!;
  t.is(shard.state, 'reporting');
  t.is(shard.context.last.height, 3);
  t.is(shard.context.last.hash, blockHashOfShardHeader(blocks[2]!.header));
});

test('attestations under 2/3, of another block, another chain or a forged signature are BAD_CERTIFICATE', (t) => {
  const { parent, child, blocks } = attestedChild(2);
  const [first, second] = blocks as [ReportedBlock & { certificate: AttestCertificate }, ReportedBlock & { certificate: AttestCertificate }];
  const weak = child.attested(first, [c1, c2]);
  t.is(codeOf(parent, c1, weak), 'BAD_CERTIFICATE', '2 of 3 equal stakes are not more than 2/3');
  t.is(codeOf(parent, c1, { ...first, certificate: second.certificate }), 'BAD_CERTIFICATE', 'the attestations of block 2');
  const foreign = first.certificate.attestations.map((a) =>
    reportedAttestOf(
      signTx({
        key: [c1, c2, c3].find((k) => k.address === a.from)!,
        op: { ...a.op, genesis: child.genesisHash },
        nonce: a.nonce,
        time: a.time,
        chain: 'ain-other',
        shard: '/apps/x',
      }) as SignedAttest,
    ),
  );
  t.is(codeOf(parent, c1, { ...first, certificate: { attestations: foreign } }), 'BAD_CERTIFICATE', 'signed for another chain');
  const forged = first.certificate.attestations.map((a, i) => (i === 0 ? { ...a, sig: a.sig.replace(/^./, (ch) => (ch === '0' ? '1' : '0')) } : a));
  t.is(codeOf(parent, c1, { ...first, certificate: { attestations: forged } }), 'BAD_CERTIFICATE', 'a signature that does not verify');
  const outsider = child.attested(first, [c1, c2, c4]);
  t.is(codeOf(parent, c1, outsider), 'BAD_CERTIFICATE', 'c4 is not a validator of the child');
  t.is(codeOf(parent, c1, first), 'ok', 'the whole set, after all that');
});

test('a rules change on a child on Kafka: the block between carries it, and its attestations are counted with the new set', (t) => {
  const { parent, child } = branchedParent(owner, [c1, c2, c3], rules);
  const newSet = [
    { address: c1.address, stake: '10' },
    { address: c2.address, stake: '10' },
    { address: c4.address, stake: '10' },
  ];
  const b1 = child.attested(child.next());
  // Block 2 writes version 1 (from block 4); the stakes move at the end of block 3, so the set
  // after block 3 (the one that attests it) is the new one.
  const b2 = child.attested(child.next([child.tx(owner, { type: 'shardRules', validators: newSet })]));
  const b3 = child.next();
  t.truthy(b3.rules, 'block 3 carries the record block 2 wrote');
  t.is(codeOf(parent, c1, b1, b2, child.attested(b3, [c1, c2, c3])), 'BAD_CERTIFICATE', 'c3 is not in the set that attests block 3');
  t.is(codeOf(parent, c1, b1, b2, child.attested(b3, [c1, c2, c4])), 'ok');
  const shard = readShard(parent.ledger.tree, '/apps/x')!;
  t.is(shard.context.last.height, 3);
  t.is(shard.context.version, 1);
  t.deepEqual(
    shard.context.validators.map((v) => v.address),
    newSet.map((v) => v.address),
  );
});

test('two attested blocks of one height fork the shard, and the attestations they share slash their signers on the child', (t) => {
  const { parent, child, blocks } = attestedChild(2);
  t.is(codeOf(parent, c1, ...blocks), 'ok');
  const second = blocks[1]!;
  const other = child.attested({ ...second, header: { ...second.header, stateRoot: 'f'.repeat(64) } }, [c1, c2, c3]);
  t.is(codeOf(parent, c2, other), 'ok');
  const { state, context } = readShard(parent.ledger.tree, '/apps/x')!;
  t.is(state, 'forked');
  const found = attestEquivocationsOf(second.certificate as AttestCertificate, context.fork!.certificate as AttestCertificate, child.genesisHash);
  t.deepEqual(found.map((op) => op.first.from).sort(), [c1.address, c2.address, c3.address].sort());
  child.next(found.map((op) => child.tx(owner, op)));
  t.deepEqual(child.codes, ['ok', 'ok', 'ok']);
  for (const v of [c1, c2, c3])
    t.true((child.chain.ledger.tree.get(`/accounts/${v.address}/slashed`) as boolean | null) ?? false, `${v.address} slashed on the child`);
});

test('attestationsOf gathers a final block’s attestations from the blocks that counted them, one per validator; quorumOf cuts them', (t) => {
  const { child, blocks } = attestedChild(1);
  const hash = blockHashOfShardHeader(blocks[0]!.header);
  const all = (blocks[0]!.certificate as AttestCertificate).attestations;
  const view = (height: number, finalized: number, attestations?: AttestCertificate['attestations']): BlockView =>
    ({
      hash: height === 1 ? hash : `${height}`,
      header: { height },
      finalized: { height: finalized },
      ...(attestations === undefined ? {} : { attestations }),
    }) as never;
  const held = new Map<number, BlockView>();
  const store = { get: (h: number) => held.get(h), latest: () => [...held.values()].at(-1) };
  held.set(1, view(1, 0));
  held.set(2, view(2, 0, [all[2]!]));
  t.is(attestationsOf(store, 1), undefined, 'not final yet');
  const stray = signTx({
    key: c1,
    op: { type: 'attest', height: 1, hash: 'e'.repeat(64), genesis: child.chain.ledger.genesisHash },
    nonce: 9,
    time: child.time,
    chain: 'ain-test',
    shard: '/apps/x',
  });
  held.set(3, view(3, 1, [all[0]!, all[1]!, stray as never, all[2]!]));
  const got = attestationsOf(store, 1)!;
  t.deepEqual(
    got.attestations.map((a) => a.from),
    all.map((a) => a.from),
    'one each, in address order, only for the block’s hash',
  );
  t.is(quorumOf(got, new Map(all.map((a) => [a.from, 10n]))).attestations.length, 3, '3 of 3 equal stakes: 2 are not more than 2/3');
  const four = new Map([...all.map((a) => [a.from, 10n] as const), [c4.address, 1n]]);
  t.is(quorumOf(got, four).attestations.length, 3);
  t.is(
    quorumOf(
      got,
      new Map([
        [all[0]!.from, 100n],
        [all[1]!.from, 1n],
        [all[2]!.from, 1n],
      ]),
    ).attestations.length,
    1,
    'one heavy validator is enough',
  );
});

test('a report cannot mix proofs to learn a rules change from a root no one certified: the attested block after a commit-certified one is counted with the set in force', (t) => {
  const { parent, child, branch } = branchedParent(owner, [c1, c2, c3], rules);
  const honest = child.next();
  // The attacker (c1, a validator) builds a child state of its own whose rules record names only its second key c4…
  const evil = new ChildChain(branch, [c1, c2, c3]);
  evil.next([evil.tx(owner, { type: 'shardRules', validators: [{ address: c4.address, stake: '100' }] })]);
  const evil2 = evil.next();
  t.truthy(evil2.rules);
  // …reports the honest block 1 with its genuine certificate but that state's root (a commit
  // certificate does not cover a block's own root), then a block 2 on top of it, attested by c4.
  const fake1 = { ...honest, header: { ...honest.header, stateRoot: evil.blocks[0]!.header.stateRoot } };
  const fake2Header = { ...evil2.header, prevHash: blockHashOfShardHeader(fake1.header), lastRoot: fake1.header.stateRoot };
  const fake2 = child.attested({ header: fake2Header, certificate: evil2.certificate, rules: evil2.rules! }, [c4]);
  t.is(codeOf(parent, c1, fake1, fake2), 'BAD_CERTIFICATE', 'c4 is no validator of the set in force');
  t.is(readShard(parent.ledger.tree, '/apps/x')!.context.last.height, 0, 'nothing recorded');
  // On an attested tip: restating it with another root (precommits of its proposal, which the
  // validators of a shard on Kafka never sign: here only the attacker's) is a fork claim, and fails.
  const { parent: parent2, blocks } = attestedChild(1);
  t.is(codeOf(parent2, c1, ...blocks), 'ok');
  const restated = {
    header: { ...blocks[0]!.header, stateRoot: evil.blocks[0]!.header.stateRoot },
    certificate: child.certify(1, honest.certificate.hash, [c1]),
  };
  t.is(codeOf(parent2, c1, restated, fake2), 'BAD_CERTIFICATE', 'a block recorded on attestations is never restated');
  t.is(readShard(parent2.ledger.tree, '/apps/x')!.context.last.hash, blockHashOfShardHeader(blocks[0]!.header));
});
