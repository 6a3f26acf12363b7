import test from 'ava';
import { checkProposalBlock, type Chain, type ChainStep } from '../../../actors/index.ts';
import { decodeTxRecord, merkleRoot, proposalHashOf, recordsRootOf, signTx, signVote, type KeyPair } from '../../../log/index.ts';
import { currentValidatorSet, readFinalized } from '../../../projections/index.ts';
import type { Certificate, Evidence, ProposedBlock } from '../../../schemas/index.ts';
import {
  appendBlock,
  buildOn,
  certificateOf,
  chainId,
  genesisHash,
  contextOf,
  genesis,
  mempoolTexts,
  newChain,
  shard,
  validators,
  validatorSet,
} from './proposals.ts';

// Given equivocations a proposer holds, when it builds its block, then each is an evidence tx of
// its own right after its commit, a validator accepts the block, and the chain that folds it
// burns the offender's stake; evidence elsewhere in a block, or by another, is refused.

const [first, second, third, fourth] = validators as [KeyPair, KeyPair, KeyPair, KeyPair];

/** Two precommits of `k` for (height, round) with different hashes, in the schema's order. */
const doubleSign = (k: KeyPair, height: number, round = 0): Evidence => ({
  a: signVote(k, { chain: chainId, shard, height, round, kind: 'precommit', hash: 'a'.repeat(64) }, genesisHash),
  b: signVote(k, { chain: chainId, shard, height, round, kind: 'precommit', hash: 'b'.repeat(64) }, genesisHash),
});

function propose(
  chain: Chain,
  proposer: KeyPair,
  certificate: Certificate | null,
  evidence: readonly Evidence[],
  maxTxs = genesis.block.maxTxs,
): ProposedBlock {
  return buildOn(chain, proposer, { certificate, evidence, txs: mempoolTexts(2, 1 + 10 * chain.position.height), maxTxs });
}

/** A chain with block 1 appended, and block 1's proposal. */
function atHeightTwo(): { chain: Chain; one: ProposedBlock } {
  const chain = newChain();
  const one = propose(chain, first, null, []);
  appendBlock(chain, one);
  return { chain, one };
}

const opsOf = (block: ProposedBlock) => block.records.map((text) => (JSON.parse(text) as { op: { type: string } }).op.type);
const codes = (step: ChainStep) => step.result.outcomes.map((o) => o.code);

function withRecords(block: ProposedBlock, records: readonly string[]): ProposedBlock {
  const header = { ...block.header, txRoot: merkleRoot(records.map((text) => decodeTxRecord(0, Buffer.from(text)).hash)), recordsRoot: recordsRootOf(records) };
  return { hash: proposalHashOf(header), header, records: [...records] };
}

test('given a double precommit, when the proposer builds block 2, then its evidence follows the commit, a validator accepts it and the fold slashes', (t) => {
  const { chain, one } = atHeightTwo();
  const block = propose(chain, second, certificateOf(1, one.hash), [doubleSign(fourth, 1)]);
  t.deepEqual(opsOf(block), ['commit', 'evidence', 'send', 'send', 'cut']);
  t.deepEqual(
    block.records.slice(0, 2).map((text) => (JSON.parse(text) as { from: string; nonce: number }).nonce),
    [1, 2],
  );
  t.is(checkProposalBlock(block, contextOf(chain, second, { hash: one.hash, validators: validatorSet })), null);
  const [two] = appendBlock(chain, block);
  t.deepEqual(codes(two!), ['ok', 'ok', 'ok', 'ok', 'ok']);
  t.deepEqual(
    two!.result.slashed.map((s) => s.address),
    [fourth.address],
  );
  t.false(currentValidatorSet(chain.ledger.tree).stakes.has(fourth.address));
});

test('block 1 has no commit: its evidence comes first; evidence counts within maxTxs, before the mempool’s txs', (t) => {
  const chain = newChain();
  const all = [doubleSign(fourth, 1), doubleSign(third, 1), doubleSign(second, 1)];
  const block = propose(chain, first, null, all, 3);
  t.deepEqual(opsOf(block), ['evidence', 'evidence', 'cut']);
  t.like(JSON.parse(block.records.at(-1)!), { nonce: 3 }, 'the cut takes the nonce after the evidence that fit');
  const context = { ...contextOf(chain, first, null), maxTxs: 3 };
  t.is(checkProposalBlock(block, context), null);
});

test('evidence signed by anyone but the proposer, or after a mempool tx, is refused with the evidence rule', (t) => {
  const { chain, one } = atHeightTwo();
  const context = contextOf(chain, second, { hash: one.hash, validators: validatorSet });
  const block = propose(chain, second, certificateOf(1, one.hash), [doubleSign(fourth, 1)]);
  const [commit, evidence, sendA, sendB, cut] = block.records as [string, string, string, string, string];
  const byAnother = JSON.stringify(signTx({ key: third, op: { type: 'evidence', evidence: doubleSign(fourth, 1) }, nonce: 1, time: 1, chain: chainId, shard }));
  const refusal = (records: string[]) => checkProposalBlock(withRecords(block, records), context)?.details;
  t.deepEqual(refusal([commit, byAnother, sendA, sendB, cut]), { problem: 'evidence', index: 1 });
  t.deepEqual(refusal([commit, sendA, evidence, sendB, cut]), { problem: 'evidence', index: 2 });
});

test('the commit of the block that slashed a validator still counts its precommit: the set that voted on it is the one before', (t) => {
  const { chain, one } = atHeightTwo();
  const two = propose(chain, second, certificateOf(1, one.hash), [doubleSign(fourth, 1)]);
  appendBlock(chain, two);
  // Block 2 was decided by all four, the slashed one among them.
  const three = propose(chain, third, certificateOf(2, two.hash), []);
  const [stepThree] = appendBlock(chain, three);
  t.deepEqual(codes(stepThree!), ['ok', 'ok', 'ok', 'ok']);
  t.deepEqual(readFinalized(chain.ledger.tree).height, 2);
});
