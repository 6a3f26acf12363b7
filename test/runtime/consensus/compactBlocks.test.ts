import test from 'ava';
import { decodeTxRecord, sha256Hex, signProposal } from '../../../log/index.ts';
import type { Certificate, ProposedBlock } from '../../../schemas/index.ts';
import { compactBlock, FilledBlocks, fillBlock, isRecordRef } from '../../../runtime/consensus/compactBlocks.ts';
import { checkBlock, proposeBlock } from '../../../runtime/consensus/proposalBlocks.ts';
import { genesis, mempoolTexts, newChain, validators } from '../../actors/chain/proposals.ts';

// Compact proposals: the mempool's txs travel as the SHA-256 of their records, the proposer's own
// records (commit, evidence, cut) whole; a validator fills the refs and judges the filled block.

const commits = {
  get: (): Certificate | undefined => undefined,
  latest: () => null,
  keep: async () => {},
  save: async () => {},
  commits$: undefined as never,
  close() {},
};
const limits = { maxTxs: genesis.block.maxTxs, maxBytes: genesis.block.maxBytes, clockDriftMs: 10_000 };
const mempool = (texts: readonly string[]) => ({
  size: texts.length,
  hasReady: () => texts.length > 0,
  has: (hash: string) => texts.some((text) => decodeTxRecord(0, Buffer.from(text)).hash === hash),
  take: () => texts.map((text) => ({ hash: decodeTxRecord(0, Buffer.from(text)).hash, record: Buffer.from(text), ref: sha256Hex(text) })),
  recordOf: (hash: string) => texts.map((text) => Buffer.from(text)).find((record) => decodeTxRecord(0, record).hash === hash),
  recordByRef: (ref: string) => texts.map((text) => Buffer.from(text)).find((record) => sha256Hex(record) === ref),
});
const lookupIn = (texts: readonly string[]) => (ref: string) => texts.find((text) => sha256Hex(text) === ref);

test('a proposed block carries each mempool tx as its record’s SHA-256 and its cut whole; filled from a mempool that holds them it is the block itself', (t) => {
  const texts = mempoolTexts(3);
  const built = proposeBlock({ chain: newChain(), genesis, commits, limits, key: validators[0]!, mempool: mempool(texts), height: 1, nonce: 0, nowMs: 5_000 })!;
  t.is(built.compact.hash, built.full.hash, 'votes name the same block');
  t.deepEqual(
    built.compact.records.slice(0, 3),
    texts.map((text) => sha256Hex(text)),
  );
  t.true(built.compact.records.slice(0, 3).every(isRecordRef));
  t.is(built.compact.records[3], built.full.records[3], 'the cut travels whole');
  t.false(isRecordRef(built.full.records[3]!));
  const filled = fillBlock(built.compact, lookupIn(texts));
  t.deepEqual(filled, { block: built.full });
  t.true(JSON.stringify(built.compact).length < JSON.stringify(built.full).length);
});

test('a ref no lookup knows is reported missing, once per ref; a block without refs comes back as it is', (t) => {
  const texts = mempoolTexts(3);
  const built = proposeBlock({ chain: newChain(), genesis, commits, limits, key: validators[0]!, mempool: mempool(texts), height: 1, nonce: 0, nowMs: 5_000 })!;
  const filled = fillBlock(built.compact, lookupIn([texts[0]!]));
  t.deepEqual(filled.missing, [sha256Hex(texts[1]!), sha256Hex(texts[2]!)]);
  t.is(fillBlock(built.full, () => undefined).block, built.full);
  const garbage = { hash: built.full.hash, records: 'nope' };
  t.is(fillBlock(garbage, () => undefined).block, garbage, 'the check refuses what is not a list of records');
});

test('the filled block is judged as the whole one: valid when the mempool holds its txs; a ref filled with other bytes fails the check', (t) => {
  const texts = mempoolTexts(3);
  const chain = newChain();
  const built = proposeBlock({ chain, genesis, commits, limits, key: validators[0]!, mempool: mempool(texts), height: 1, nonce: 0, nowMs: 5_000 })!;
  const proposal = signProposal(validators[0]!, { chain: genesis.chain, shard: '/', height: 1, round: 0, validRound: -1, block: built.compact });
  const filled = fillBlock(proposal.block, lookupIn(texts)).block!;
  t.is(checkBlock({ ...proposal, block: filled }, { chain, genesis, commits, limits, nowMs: 5_000, mempool: mempool(texts) }), null);
  // A lookup that answered a record other than the ref's (which recordsExchange never keeps: it checks the hash).
  const swapped = fillBlock(proposal.block, (ref) => (ref === sha256Hex(texts[0]!) ? texts[1] : lookupIn(texts)(ref))).block!;
  t.is(checkBlock({ ...proposal, block: swapped }, { chain, genesis, commits, limits, nowMs: 5_000 })?.code, 'BAD_PROPOSAL');
});

test('FilledBlocks keeps a block’s filled records for the same compact block only, answers refs from them, and forgets the oldest past its bound', (t) => {
  const texts = mempoolTexts(3);
  const built = proposeBlock({ chain: newChain(), genesis, commits, limits, key: validators[0]!, mempool: mempool(texts), height: 1, nonce: 0, nowMs: 5_000 })!;
  const kept = new FilledBlocks(1);
  kept.add(built.compact, built.full.records);
  t.deepEqual(kept.fullOf(built.compact), built.full.records);
  t.is(kept.textOf(sha256Hex(texts[1]!)), texts[1]);
  const other: ProposedBlock = { ...built.compact, records: [...built.compact.records].reverse() };
  t.is(kept.fullOf(other), undefined, 'the same hash with other records is another block');
  const next = compactBlock({ ...built.full, hash: 'f'.repeat(64) }, () => undefined);
  kept.add(next, next.records);
  t.is(kept.fullOf(built.compact), undefined);
  t.is(kept.textOf(sha256Hex(texts[1]!)), undefined);
});
