import test from 'ava';
import { checkProposalBlock, type Chain, type ChainStep } from '../../../actors/index.ts';
import { signTx, type KeyPair } from '../../../log/index.ts';
import { readFinalized } from '../../../projections/index.ts';
import type { Certificate, ProposedBlock } from '../../../schemas/index.ts';
import { appendBlock, buildOn, certificateOf, chainId, contextOf, mempoolTexts, newChain, owner, shard, validators, validatorSet } from './proposals.ts';

// Given decided proposal blocks appended to a node's log, when the chain cuts and folds them,
// then the commit in block h makes block h − 1 final, and a certificate that proves nothing
// changes nothing but its own outcome.

const [first, second, third] = validators as [KeyPair, KeyPair, KeyPair];

function propose(chain: Chain, proposer: KeyPair, certificate: Certificate | null, extra: readonly string[] = []): ProposedBlock {
  return buildOn(chain, proposer, { certificate, txs: [...extra, ...mempoolTexts(2, 1 + 10 * chain.position.height)], nonce: 1 });
}

/** Block 1 appended, and block 2 by `second` carrying `certificate` (and `extra` mempool texts) appended. */
function twoBlocks(
  certificate: (one: ProposedBlock) => Certificate,
  extra: readonly string[] = [],
): { chain: Chain; one: ChainStep; two: ChainStep; proposed: ProposedBlock; proposedTwo: ProposedBlock } {
  const chain = newChain();
  const proposed = propose(chain, first, null);
  const [one] = appendBlock(chain, proposed);
  const proposedTwo = propose(chain, second, certificate(proposed), extra);
  const [two] = appendBlock(chain, proposedTwo);
  return { chain, one: one!, two: two!, proposed, proposedTwo };
}

const codes = (step: ChainStep) => step.result.outcomes.map((o) => o.code);

test('given two decided proposal blocks, when the chain folds their records, then each closes at its cut and block 1 is final after block 2', (t) => {
  const { chain, one, two, proposed } = twoBlocks((block) => certificateOf(1, block.hash, validators.slice(1)));
  t.like(one.block.header, { height: 1, txRoot: proposed.header.txRoot, time: proposed.header.time, proposer: first.address });
  t.deepEqual(codes(one), ['ok', 'ok', 'ok']);
  t.is(one.result.finalized.height, 0);
  t.deepEqual(codes(two), ['ok', 'ok', 'ok', 'ok']);
  t.deepEqual(two.result.finalized, { height: 1, hash: one.hash });
  t.deepEqual(readFinalized(chain.ledger.tree), { height: 1, hash: one.hash });
  t.is(chain.pendingCount, 0);
});

test('a proposer’s own txs in its block (its key used for an unstake, a tx with a clock nonce): its cut is signed above their nonces, every record is ok; one its commit’s nonce spends, or at the largest nonce, is left out', (t) => {
  const chain = newChain();
  const one = propose(chain, first, null);
  appendBlock(chain, one);
  const own = (nonce: number) =>
    JSON.stringify(signTx({ key: second, op: { type: 'send', to: third.address, amount: '0' }, nonce, time: 1, chain: chainId, shard }));
  // `second`'s key signed txs of its own, all waiting in the mempool it proposes from: one at the
  // nonce its commit takes (consensus's next, 1), one just above, one with a clock nonce far above,
  // and one at the largest nonce a tx may carry.
  const clockNonce = 1_796_631_431_237;
  const txs = [own(1), own(2), ...mempoolTexts(1, 21), own(clockNonce), own(Number.MAX_SAFE_INTEGER)];
  const proposed = buildOn(chain, second, { certificate: certificateOf(1, one.hash), txs, nonce: 1 });
  t.deepEqual(proposed.records.slice(1, -1), [own(2), ...mempoolTexts(1, 21), own(clockNonce)], 'the commit’s nonce and the largest left out');
  const cut = JSON.parse(proposed.records.at(-1)!) as { nonce: number; op: { type: string } };
  t.like(cut, { op: { type: 'cut' }, nonce: clockNonce + 1 });
  t.is(checkProposalBlock(proposed, { ...contextOf(chain, second, { hash: one.hash, validators: validatorSet }), proposerNonce: 0 }), null);
  const [step] = appendBlock(chain, proposed);
  // The commit (nonce 1) first; the own nonce 2 and the clock nonce above it; the cut above them all.
  t.deepEqual(codes(step!), ['ok', 'ok', 'ok', 'ok', 'ok']);
  t.is(chain.ledger.tree.get(`/accounts/${second.address}/nonce`), clockNonce + 1);
});

test('a certificate the ledger cannot verify is BAD_COMMIT and finalizes nothing; the block still closes at its cut', (t) => {
  const forged = (block: ProposedBlock) => {
    const certificate = certificateOf(1, block.hash);
    const sig = certificate.votes[0]!.sig;
    certificate.votes[0]!.sig = (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1);
    return certificate;
  };
  for (const certificate of [forged, (b: ProposedBlock) => certificateOf(1, b.hash, validators.slice(0, 2)), () => certificateOf(1, 'ab'.repeat(32))]) {
    const { two } = twoBlocks(certificate);
    t.deepEqual(codes(two), ['BAD_COMMIT', 'ok', 'ok', 'ok']);
    t.is(two.result.finalized.height, 0);
  }
});

test('a commit by anyone but the block’s proposer is NOT_BLOCK_PROPOSER, and a second commit of a final block BAD_COMMIT', (t) => {
  const chain = newChain();
  const proposed = propose(chain, first, null);
  appendBlock(chain, proposed);
  const certificate = certificateOf(1, proposed.hash);
  const byOther = JSON.stringify(signTx({ key: third, op: { type: 'commit', certificate }, nonce: 1, time: 1, chain: chainId, shard }));
  const byOwner = JSON.stringify(signTx({ key: owner, op: { type: 'commit', certificate }, nonce: 15, time: 1, chain: chainId, shard }));
  const again = JSON.stringify(signTx({ key: second, op: { type: 'commit', certificate }, nonce: 5, time: 1, chain: chainId, shard }));
  const [two] = appendBlock(chain, propose(chain, second, certificate, [byOther, byOwner, again]));
  // The proposer's extra commit took nonce 5, so its cut is signed above it (6, not 2).
  t.deepEqual(codes(two!), ['ok', 'NOT_BLOCK_PROPOSER', 'NOT_BLOCK_PROPOSER', 'BAD_COMMIT', 'ok', 'ok', 'ok']);
  t.deepEqual(two!.result.finalized.height, 1);
  t.is(chain.ledger.height, 2);
});

test('block 3’s commit is checked against the set that voted on block 2 (the one after block 1) and makes block 2 final', (t) => {
  const { chain, two, proposedTwo } = twoBlocks((block) => certificateOf(1, block.hash));
  t.deepEqual(chain.ledger.tree.get('/consensus/proposal'), { height: 2, hash: proposedTwo.hash });
  const [three] = appendBlock(chain, propose(chain, third, certificateOf(2, proposedTwo.hash, validators.slice(0, 3))));
  t.deepEqual(codes(three!)[0], 'ok');
  t.deepEqual(three!.result.finalized, { height: 2, hash: two.hash });
});
