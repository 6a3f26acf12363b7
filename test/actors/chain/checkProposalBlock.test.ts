import test from 'ava';
import fc from 'fast-check';
import { checkProposalBlock, type Chain, type ProposalContext } from '../../../actors/index.ts';
import { checkTxTexts, decodeTxRecord, merkleRoot, proposalHashOf, recordsRootOf, signTx, type KeyPair, type VerifiedTx } from '../../../log/index.ts';
import type { Certificate, ProposedBlock, Tx } from '../../../schemas/index.ts';
import { recordSignedAgain } from '../../fixtures/ed25519Points.ts';
import { appendBlock, buildOn, certificateOf, chainId, contextOf, mempoolTexts, newChain, owner, shard, validators, validatorSet } from './proposals.ts';

// Given a chain, when a proposer builds the next block, then a validator with the same chain
// accepts it; and each way a block can be wrong is refused with BAD_PROPOSAL and the rule it broke.

const [first, second, third] = validators as [KeyPair, KeyPair, KeyPair];

/** A chain at height 1 and what block 2 is checked against. */
function atHeightTwo(): { chain: Chain; certificate: Certificate; context: ProposalContext } {
  const chain = newChain();
  const one = buildOn(chain, first);
  appendBlock(chain, one);
  return { chain, certificate: certificateOf(1, one.hash), context: contextOf(chain, second, { hash: one.hash, validators: validatorSet }) };
}

/** The block with these records, its txRoot and hash recomputed: only the record rules can refuse it. */
function withRecords(block: ProposedBlock, records: readonly string[]): ProposedBlock {
  const header = { ...block.header, txRoot: merkleRoot(records.map((text) => decodeTxRecord(0, Buffer.from(text)).hash)), recordsRoot: recordsRootOf(records) };
  return { hash: proposalHashOf(header), header, records: [...records] };
}

/** The block with these records and only its recordsRoot and hash recomputed: the txRoot and the record rules can refuse it. */
function withRecordsRoot(block: ProposedBlock, records: readonly string[]): ProposedBlock {
  const header = { ...block.header, recordsRoot: recordsRootOf(records) };
  return { hash: proposalHashOf(header), header, records: [...records] };
}

const problemOf = (block: unknown, context: ProposalContext) => {
  const refusal = checkProposalBlock(block, context);
  return refusal === null ? null : `${refusal.code}:${refusal.details.problem}`;
};

test('given a new chain, when the proposer builds block 1, then it holds the mempool txs and its cut, and a validator accepts it', (t) => {
  const chain = newChain();
  const block = buildOn(chain, first, { timeMs: 5000 });
  t.is(block.records.length, 4);
  t.like(block.header, { height: 1, prevHash: chain.ledger.genesisHash, time: 5000, proposer: first.address, lastRoot: chain.ledger.tree.root() });
  t.is(JSON.parse(block.records[3]!).op.type, 'cut');
  t.is(checkProposalBlock(block, contextOf(chain, first, null)), null);
});

test('given block 1 decided, when the next proposer builds block 2, then it starts with its commit of block 1 and a validator accepts it', (t) => {
  const { chain, certificate, context } = atHeightTwo();
  const block = buildOn(chain, second, { certificate });
  const [commit, ...rest] = block.records.map((text) => JSON.parse(text));
  t.like(commit, { from: second.address, nonce: 1, op: { type: 'commit', certificate } });
  t.like(rest.at(-1), { from: second.address, nonce: 2, op: { type: 'cut', height: 2 } });
  t.is(checkProposalBlock(block, context), null);
  t.is(problemOf(buildOn(chain, second, { certificate }), { ...context, verified: new Map() }), null);
});

test('a block on another prevHash or state root, or with a hash not its header’s, is refused', (t) => {
  const { chain, certificate, context } = atHeightTwo();
  const block = buildOn(chain, second, { certificate });
  t.is(problemOf(buildOn(chain, second, { certificate, position: { ...chain.position, prevHash: 'ab'.repeat(32) } }), context), 'BAD_PROPOSAL:header');
  t.is(problemOf(buildOn(chain, second, { certificate, lastRoot: 'cd'.repeat(32) }), context), 'BAD_PROPOSAL:header');
  t.is(problemOf(block, { ...context, proposer: third.address }), 'BAD_PROPOSAL:header');
  t.is(problemOf({ ...block, hash: 'ef'.repeat(32) }, context), 'BAD_PROPOSAL:hash');
  t.is(problemOf({ ...block, extra: 1 }, context), 'BAD_PROPOSAL:schema');
});

test('a block whose time is not after the last block’s, or too far ahead of the validator’s clock, is refused', (t) => {
  const { chain, certificate, context } = atHeightTwo();
  const block = buildOn(chain, second, { certificate, timeMs: 3000 });
  t.is(problemOf(block, { ...context, prevTime: 3000 }), 'BAD_PROPOSAL:time');
  t.is(problemOf(block, { ...context, nowMs: 2499, clockDriftMs: 500 }), 'BAD_PROPOSAL:time');
  t.is(problemOf(block, { ...context, nowMs: 2500, clockDriftMs: 500 }), null);
  t.is(buildOn(chain, second, { certificate, timeMs: 1 }).header.time, chain.position.prevTime + 1);
});

test('a tampered record, a record swapped for another, a missing or extra cut and a commit by another are refused', (t) => {
  const { chain, certificate, context } = atHeightTwo();
  const block = buildOn(chain, second, { certificate });
  const records = block.records;
  const tampered = [...records];
  tampered[1] = tampered[1]!.replace('"amount":"1"', '"amount":"9"');
  t.is(problemOf({ ...block, records: tampered }, context), 'BAD_PROPOSAL:recordsRoot');
  t.is(problemOf(withRecordsRoot(block, tampered), context), 'BAD_PROPOSAL:record');
  const swapped = [...records];
  swapped[1] = mempoolTexts(1, 99)[0]!;
  t.is(problemOf(withRecordsRoot(block, swapped), context), 'BAD_PROPOSAL:txRoot');
  t.is(problemOf(withRecords(block, records.slice(0, -1)), context), 'BAD_PROPOSAL:cut');
  const extraCut = JSON.stringify(signTx({ key: second, op: { type: 'cut', height: 2 }, nonce: 7, time: block.header.time, chain: chainId, shard }));
  t.is(problemOf(withRecords(block, [records[0]!, extraCut, ...records.slice(1)]), context), 'BAD_PROPOSAL:record');
  const userCommit = JSON.stringify(signTx({ key: owner, op: { type: 'commit', certificate }, nonce: 50, time: 1, chain: chainId, shard }));
  t.is(problemOf(withRecords(block, [records[0]!, userCommit, ...records.slice(1)]), context), 'BAD_PROPOSAL:record');
  t.is(problemOf(withRecords(block, records.slice(1)), context), 'BAD_PROPOSAL:commit');
  const othersCommit = JSON.stringify(signTx({ key: third, op: { type: 'commit', certificate }, nonce: 1, time: 1, chain: chainId, shard }));
  t.is(problemOf(withRecords(block, [othersCommit, ...records.slice(1)]), context), 'BAD_PROPOSAL:commit');
  const pretty = [...records];
  pretty[1] = JSON.stringify(JSON.parse(pretty[1]!), null, 1);
  t.is(problemOf(withRecords(block, pretty), context), 'BAD_PROPOSAL:record');
});

test('a record its signer signed again (another valid signature, the same tx hash) is another block: under the first one’s header it is refused by the recordsRoot', (t) => {
  const { chain, certificate, context } = atHeightTwo();
  const block = buildOn(chain, second, { certificate });
  const cut = JSON.parse(block.records.at(-1)!) as Tx;
  const resigned = recordSignedAgain(cut, second);
  t.not((JSON.parse(resigned) as Tx).sig, cut.sig);
  const [before, after] = [block.records.at(-1)!, resigned].map((text) => decodeTxRecord(0, Buffer.from(text)));
  t.is(after!.hash, before!.hash, 'the same tx hash: the txRoot cannot tell the two apart');
  t.not(after!.ref, before!.ref);
  t.true('hash' in checkTxTexts([resigned], { chain: chainId, shard }).next().value!, 'the second signature verifies');
  const records = [...block.records.slice(0, -1), resigned];
  t.is(problemOf({ ...block, records }, context), 'BAD_PROPOSAL:recordsRoot');
  const other = withRecordsRoot(block, records);
  t.is(problemOf(other, context), null);
  t.is(other.header.txRoot, block.header.txRoot);
  t.not(other.hash, block.hash, 'votes for one do not count for the other');
});

test('a certificate with too little power, a forged precommit or another hash is refused', (t) => {
  const { chain, certificate, context } = atHeightTwo();
  const hash = certificate.hash;
  t.is(problemOf(buildOn(chain, second, { certificate: certificateOf(1, hash, validators.slice(0, 2)) }), context), 'BAD_PROPOSAL:certificate');
  t.is(problemOf(buildOn(chain, second, { certificate: certificateOf(1, hash, validators.slice(0, 3)) }), context), null);
  const forged = structuredClone(certificate);
  const sig = forged.votes[1]!.sig;
  forged.votes[1]!.sig = (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1);
  t.is(problemOf(buildOn(chain, second, { certificate: forged }), context), 'BAD_PROPOSAL:certificate');
  t.is(problemOf(buildOn(chain, second, { certificate: certificateOf(1, '12'.repeat(32)) }), context), 'BAD_PROPOSAL:certificate');
  t.is(problemOf(buildOn(chain, second, { certificate }), { ...context, previous: null }), 'BAD_PROPOSAL:certificate');
});

test('a commit signed at or below the proposer’s last nonce is refused: the ledger would refuse it, and the last block’s certificate go unrecorded', (t) => {
  const { chain, certificate, context } = atHeightTwo();
  const block = buildOn(chain, second, { certificate }); // its commit is signed with the proposer's next nonce
  const nonce = JSON.parse(block.records[0]!).nonce as number;
  t.is(problemOf(block, { ...context, proposerNonce: nonce - 1 }), null);
  t.is(problemOf(block, { ...context, proposerNonce: nonce }), 'BAD_PROPOSAL:commit');
  t.is(problemOf(block, context), null, 'unchecked without the proposer’s nonce');
});

test('a block with more records than maxTxs, or whose records before the cut reach maxBytes, is refused; the builder stays within both', (t) => {
  const { chain, certificate, context } = atHeightTwo();
  const block = buildOn(chain, second, { certificate, txs: mempoolTexts(10, 100) });
  t.is(block.records.length, 12);
  t.is(problemOf(block, { ...context, maxTxs: 11 }), 'BAD_PROPOSAL:size');
  const bytesBeforeCut = block.records.slice(0, -1).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  t.is(problemOf(block, { ...context, maxBytes: bytesBeforeCut }), 'BAD_PROPOSAL:size');
  t.is(problemOf(block, { ...context, maxBytes: bytesBeforeCut + 1 }), null);
  const small = buildOn(chain, second, { certificate, txs: mempoolTexts(10, 100), maxTxs: 5 });
  t.is(small.records.length, 5);
  t.is(problemOf(small, { ...context, maxTxs: 5 }), null);
  const tight = buildOn(chain, second, { certificate, txs: mempoolTexts(10, 100), maxBytes: bytesBeforeCut });
  t.is(tight.records.length, 11);
  t.is(problemOf(tight, { ...context, maxBytes: bytesBeforeCut }), null);
});

test('property: a block built from any mempool txs within any limits passes the check', (t) => {
  const { chain, certificate, context } = atHeightTwo();
  const senders = [owner, first, third];
  const tx = fc.record({ sender: fc.nat(senders.length - 1), nonce: fc.integer({ min: 1, max: 1000 }), value: fc.string({ maxLength: 1500 }) });
  fc.assert(
    fc.property(fc.array(tx, { maxLength: 40 }), fc.integer({ min: 2, max: 30 }), fc.integer({ min: 4096, max: 40_000 }), (specs, maxTxs, maxBytes) => {
      const txs = specs.map(({ sender, nonce, value }) =>
        JSON.stringify(signTx({ key: senders[sender]!, op: { type: 'set_value', path: '/apps/p', value }, nonce, time: 1, chain: chainId, shard })),
      );
      const block = buildOn(chain, second, { certificate, txs, maxTxs, maxBytes });
      const kept = block.records.slice(1, -1);
      const refusal = checkProposalBlock(block, { ...context, maxTxs, maxBytes });
      if (refusal !== null) throw new Error(`${refusal.message} (${refusal.details.problem})`);
      return kept.every((text, i) => text === txs[i]) && block.records.length <= maxTxs;
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test('records the caller already verified (the mempool’s) are taken as given, still held to the block’s rules', (t) => {
  const { chain, certificate, context } = atHeightTwo();
  const block = buildOn(chain, second, { certificate });
  const mempool = block.records.slice(1, -1);
  const verdicts = [...checkTxTexts(mempool, { chain: chainId, shard })];
  const verified = new Map(mempool.map((text, i) => [text, verdicts[i] as VerifiedTx]));
  t.is(problemOf(block, { ...context, verified }), null);
  const misfiled = new Map([[mempool[0]!, verdicts[1] as VerifiedTx]]);
  // A verdict filed under another record's text is taken as given (the caller vouches for it), but its hash breaks the txRoot.
  t.is(problemOf(block, { ...context, verified: misfiled }), 'BAD_PROPOSAL:txRoot');
});
