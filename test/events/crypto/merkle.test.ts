import test from 'ava';
import fc from 'fast-check';
import { merkleProof, merkleRoot, sha256Hex, verifyMerkleProof } from '../../../events/crypto/index.ts';

const hashes = (n: number) => Array.from({ length: n }, (_, i) => sha256Hex(`tx ${i}`));

test('the root of one leaf is SHA-256(0x00 ‖ leaf), of none SHA-256 of nothing', (t) => {
  const [h] = hashes(1);
  t.is(merkleRoot([h!]), sha256Hex(Buffer.concat([Buffer.from([0]), Buffer.from(h!, 'hex')])));
  t.is(merkleRoot([]), sha256Hex(''));
});

test('every leaf of trees of 1..40 leaves has a proof that verifies, and only for its own leaf', (t) => {
  for (let n = 1; n <= 40; n++) {
    const leaves = hashes(n);
    const root = merkleRoot(leaves);
    for (let i = 0; i < n; i++) {
      const proof = merkleProof(leaves, i);
      t.true(verifyMerkleProof(leaves[i]!, proof, root), `n=${n} i=${i}`);
      t.false(verifyMerkleProof(leaves[(i + 1) % n]!, proof, root) && n > 1, `wrong leaf n=${n} i=${i}`);
    }
  }
});

test('property: different lists (incl. a duplicated last leaf) have different roots', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), (n) => {
      const leaves = hashes(n);
      return merkleRoot(leaves) !== merkleRoot([...leaves, leaves[n - 1]!]) && merkleRoot(leaves) !== merkleRoot(leaves.slice(0, -1));
    }),
  );
  t.pass();
});
