import test from 'ava';
import { join } from 'node:path';
import { merkleRoot, merkleRootOfDigests, merkleTree, sha256, sha256Hex, verifyTxProof, type TxInclusionProof } from '../../../log/index.ts';
import { importGraph } from '../../importGraph.ts';

// A tx's inclusion proof (RFC 6962) against its block's txRoot and outcomeRoot: every record of
// small and odd-sized blocks proves, and any change to a proof, its tx or its outcome fails.

const hashes = (n: number) => Array.from({ length: n }, (_, i) => sha256Hex(`tx ${n}.${i}`));
const codes = (n: number) => Array.from({ length: n }, (_, i) => (i % 3 === 1 ? 'RULE_DENIED' : 'ok'));

/** A block of `n` records as its header commits to them (outcomeRoot as applyBlock computes it). */
function block(n: number) {
  const txs = hashes(n);
  const outcomes = codes(n);
  const roots = { txRoot: merkleRoot(txs), outcomeRoot: merkleRootOfDigests(txs.map((h, i) => sha256(`${h}:${outcomes[i]}`))) };
  const txTree = merkleTree(txs);
  const outcomeTree = merkleTree(txs.map((h, i) => sha256Hex(`${h}:${outcomes[i]}`)));
  const proofOf = (index: number): TxInclusionProof => ({
    index,
    size: n,
    txPath: txTree.proof(index).path,
    outcomePath: outcomeTree.proof(index).path,
  });
  return { txs, outcomes, roots, proofOf, txTree };
}

/** The same hash with one hex digit changed. */
const flip = (hex: string, at = 0) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);

const sizes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 17, 31];

test('every record of blocks of 1 to 31 records proves its tx and its outcome against the header', (t) => {
  for (const n of sizes) {
    const { txs, outcomes, roots, proofOf, txTree } = block(n);
    t.is(txTree.root, roots.txRoot, `the kept tree has the cutter's root (n=${n})`);
    for (let i = 0; i < n; i++) t.is(verifyTxProof(txs[i]!, outcomes[i]!, proofOf(i), roots), null, `n=${n} i=${i}`);
  }
});

test('a tampered proof fails at every position: each sibling of either path, the index, a path too long or short', (t) => {
  for (const n of sizes) {
    const { txs, outcomes, roots, proofOf } = block(n);
    for (let i = 0; i < n; i++) {
      const proof = proofOf(i);
      const check = (tampered: TxInclusionProof) => verifyTxProof(txs[i]!, outcomes[i]!, tampered, roots);
      for (let level = 0; level < proof.txPath.length; level++) {
        for (const at of [0, 31, 63]) {
          const txPath = proof.txPath.map((h, l) => (l === level ? flip(h, at) : h));
          t.is(check({ ...proof, txPath }), 'txRoot', `n=${n} i=${i} txPath[${level}] digit ${at}`);
          const outcomePath = proof.outcomePath.map((h, l) => (l === level ? flip(h, at) : h));
          t.is(check({ ...proof, outcomePath }), 'outcomeRoot', `n=${n} i=${i} outcomePath[${level}] digit ${at}`);
        }
      }
      for (let other = 0; other < n; other++) {
        if (other !== i) t.not(check({ ...proof, index: other }), null, `n=${n} i=${i} claimed as ${other}`);
      }
      // The header does not commit to how many records the block has: `size` only shapes the path,
      // so another size can check when it gives this leaf the same path (3 and 4 leaves, for leaf 0).
      if (proof.txPath.length > 0) t.is(check({ ...proof, size: 1 }), 'txRoot', `n=${n} i=${i} size 1`);
      t.is(check({ ...proof, txPath: [...proof.txPath, roots.txRoot] }), 'txRoot', `n=${n} i=${i} a sibling too many`);
      if (proof.txPath.length > 0) t.is(check({ ...proof, txPath: proof.txPath.slice(0, -1) }), 'txRoot', `n=${n} i=${i} a sibling too few`);
      t.is(check({ ...proof, index: -1 }), 'txRoot');
      t.is(check({ ...proof, index: 0.5 }), 'txRoot');
    }
  }
});

test('the proof of one tx shows no other tx, and no other outcome than the one recorded', (t) => {
  for (const n of sizes) {
    const { txs, outcomes, roots, proofOf } = block(n);
    for (let i = 0; i < n; i++) {
      t.is(verifyTxProof(flip(txs[i]!), outcomes[i]!, proofOf(i), roots), 'txRoot', `n=${n} i=${i} another hash`);
      if (n > 1) t.is(verifyTxProof(txs[(i + 1) % n]!, outcomes[i]!, proofOf(i), roots), 'txRoot', `n=${n} i=${i} its neighbour`);
      const other = outcomes[i] === 'ok' ? 'RULE_DENIED' : 'ok';
      t.is(verifyTxProof(txs[i]!, other, proofOf(i), roots), 'outcomeRoot', `n=${n} i=${i} outcome ${other}`);
      t.is(verifyTxProof(txs[i]!, outcomes[i]!, proofOf(i), { ...roots, txRoot: flip(roots.txRoot) }), 'txRoot', `n=${n} i=${i} another header`);
    }
  }
});

test('what is not a hash never checks: upper case, short, or not hex at all', (t) => {
  const { txs, outcomes, roots, proofOf } = block(5);
  const proof = proofOf(2);
  t.is(verifyTxProof(txs[2]!.toUpperCase(), outcomes[2]!, proof, roots), 'txRoot');
  t.is(verifyTxProof(txs[2]!.slice(2), outcomes[2]!, proof, roots), 'txRoot');
  t.is(verifyTxProof(txs[2]!, outcomes[2]!, { ...proof, txPath: proof.txPath.map((h) => h.replace(/./, 'g')) }, roots), 'txRoot');
  t.is(verifyTxProof(txs[2]!, outcomes[2]!, { ...proof, txPath: [42 as unknown as string, ...proof.txPath.slice(1)] }, roots), 'txRoot');
});

test('the tx proof check runs in a browser: it reaches no node module, only @noble/hashes', (t) => {
  const graph = [...importGraph(join(process.cwd(), 'log/crypto/verifyTxProof.ts'))];
  t.deepEqual(
    graph.filter((m) => m.startsWith('node module') || m.startsWith('dynamic load')),
    [],
  );
  t.true(graph.some((m) => m.includes('@noble/hashes')));
  t.deepEqual(
    graph.filter((m) => m.includes('/log/')).map((m) => m.replace(/.*\/log\//, '')),
    ['crypto/verifyTxProof.ts'],
  );
});
