import test from 'ava';
import { sha256Hex, signProposal } from '../../../log/index.ts';
import type { ProposedBlock } from '../../../schemas/index.ts';
import { compactBlock, FilledBlocks, fillBlock, isRecordRef, matchesRef } from '../../../runtime/consensus/compactBlocks.ts';
import { checkBlock, decidedHashOf, decidedRecords, decidedRecordsOf, proposeBlock } from '../../../runtime/consensus/proposalBlocks.ts';
import { genesis, mempoolTexts, newChain, validators } from '../../actors/chain/proposals.ts';
import { commits, limits, mempool } from './proposalFixtures.ts';

// Compact proposals: the mempool's txs travel as the SHA-256 of their records, the proposer's own
// records (commit, evidence, cut) whole; a validator fills the refs and judges the filled block.

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
  const proposal = signProposal(
    validators[0]!,
    { chain: genesis.chain, shard: '/', height: 1, round: 0, validRound: -1, block: built.compact },
    chain.ledger.genesisHash,
  );
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

test('a decided block’s records are the bytes the mempool held, with the hashes its check gave and the refs it kept: those of encoding and hashing each text again', (t) => {
  const texts = mempoolTexts(3);
  const built = proposeBlock({ chain: newChain(), genesis, commits, limits, key: validators[0]!, mempool: mempool(texts), height: 1, nonce: 0, nowMs: 5_000 })!;
  t.is(built.held.size, 3, 'the mempool’s txs, not the cut');
  const kept = new FilledBlocks(1);
  kept.add(built.compact, built.full.records, built.held);
  const held = kept.heldOf(built.compact.hash)!;
  const { records, hashes, refs } = decidedRecordsOf(built.full.records, held);
  const encoded = decidedRecords(built.full.records);
  t.deepEqual(
    records.map((r) => Buffer.from(r)),
    encoded.map((r) => Buffer.from(r)),
  );
  t.deepEqual(hashes, encoded.map(decidedHashOf));
  t.deepEqual(
    refs,
    encoded.map((r) => sha256Hex(r)),
  );
  t.is(records[0], held.get(built.full.records[0]!)!.record, 'the held bytes themselves, not a copy');
  t.is(refs[0], held.get(built.full.records[0]!)!.ref, 'the mempool’s ref, not hashed again');
  t.deepEqual(decidedRecordsOf(built.full.records), { records: encoded, hashes, refs }, 'without them each record is encoded and hashed');
  t.is(kept.heldOf('f'.repeat(64)), undefined);
});

test('a ref two kept blocks share stays answerable until the last of them goes; a block kept again moves to the newest', (t) => {
  const texts = mempoolTexts(3);
  const built = proposeBlock({ chain: newChain(), genesis, commits, limits, key: validators[0]!, mempool: mempool(texts), height: 1, nonce: 0, nowMs: 5_000 })!;
  const later = { ...built.compact, hash: 'e'.repeat(64) }; // another round's block of the same txs
  const kept = new FilledBlocks(2);
  kept.add(built.compact, built.full.records);
  kept.add(later, built.full.records);
  kept.add(built.compact, built.full.records); // seen again: now the newest
  kept.add(
    compactBlock({ ...built.full, hash: 'f'.repeat(64) }, () => undefined),
    built.full.records,
  );
  t.is(kept.fullOf(later), undefined, 'the oldest went');
  t.deepEqual(kept.fullOf(built.compact), built.full.records);
  t.is(kept.textOf(sha256Hex(texts[0]!)), texts[0], 'still carried by a kept block');
});

test('a text with a lone surrogate never matches a ref, though it encodes to the bytes of the text with U+FFFD', (t) => {
  const honest = '{"note":"\ufffd"}';
  const forged = '{"note":"\ud800"}';
  t.is(sha256Hex(forged), sha256Hex(honest), 'UTF-8 writes U+FFFD for the lone surrogate');
  t.true(matchesRef(honest, sha256Hex(honest)));
  t.false(matchesRef(forged, sha256Hex(honest)));
});
