import test from 'ava';
import { type Chain, type ChainStep } from '../../../actors/index.ts';
import { signTx, type KeyPair } from '../../../log/index.ts';
import { readFinalized } from '../../../projections/index.ts';
import type { Certificate, ProposedBlock } from '../../../schemas/index.ts';
import { appendBlock, buildOn, certificateOf, chainId, mempoolTexts, newChain, owner, shard, validators } from './proposals.ts';

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

test('a proposer’s own txs in its block (its key used for an unstake, a tx with a clock nonce): its cut is signed above their nonces, and every record is ok', (t) => {
  const chain = newChain();
  const one = propose(chain, first, null);
  appendBlock(chain, one);
  const own = (nonce: number) =>
    JSON.stringify(signTx({ key: second, op: { type: 'send', to: third.address, amount: '0' }, nonce, time: 1, chain: chainId, shard }));
  // `second`'s key signed two txs of its own: one with the nonce its commit will have (consensus's
  // next), one with a clock nonce far above; both wait in the mempool it proposes from.
  const clockNonce = 1_796_631_431_237;
  const proposed = buildOn(chain, second, { certificate: certificateOf(1, one.hash), txs: [own(2), ...mempoolTexts(1, 21), own(clockNonce)], nonce: 1 });
  const cut = JSON.parse(proposed.records.at(-1)!) as { nonce: number; op: { type: string } };
  t.like(cut, { op: { type: 'cut' }, nonce: clockNonce + 1 });
  const [step] = appendBlock(chain, proposed);
  // The commit (nonce 1) first; `second`'s own nonce 2 and the clock nonce are above it; the cut above them all.
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
