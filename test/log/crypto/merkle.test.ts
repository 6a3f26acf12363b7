import test from 'ava';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { forceNodeCryptoEnv } from '../../../log/crypto/ed25519.ts';
import {
  merkleProof,
  merkleRoot,
  merkleRootOfDigests,
  merkleRootOfTextDigests,
  merkleTree,
  recordsRootOf,
  sha256,
  sha256Hex,
  verifyMerkleProof,
} from '../../../log/crypto/index.ts';
import { scriptArgs } from '../../scriptArgs.ts';

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

/** RFC 6962's definition written out plainly, to pin the allocation-free one to it. */
function referenceRoot(hashes: readonly string[]): string {
  const h = (bytes: Buffer) => createHash('sha256').update(bytes).digest();
  const leaf = (hex: string) => h(Buffer.concat([Buffer.from([0]), Buffer.from(hex, 'hex')]));
  const root = (leaves: Buffer[]): Buffer => {
    if (leaves.length === 1) return leaves[0]!;
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return h(Buffer.concat([Buffer.from([1]), root(leaves.slice(0, k)), root(leaves.slice(k))]));
  };
  return hashes.length === 0 ? h(Buffer.alloc(0)).toString('hex') : root(hashes.map(leaf)).toString('hex');
}

test('property: merkleRoot is RFC 6962 over any list, and merkleRootOfDigests gives the same root as the hex of its digests', (t) => {
  const digest = fc.uint8Array({ minLength: 32, maxLength: 32 });
  fc.assert(
    fc.property(
      fc.array(digest, { maxLength: 70 }),
      fc.array(fc.string({ unit: fc.constantFrom(...'0123456789abcdefxyz') }), { maxLength: 6 }),
      (digests, odd) => {
        const hexes = digests.map((d) => Buffer.from(d).toString('hex'));
        const root = merkleRoot(hexes);
        t.is(root, referenceRoot(hexes));
        t.is(merkleRootOfDigests(digests), root);
        t.is(merkleRoot([...hexes, ...odd]), referenceRoot([...hexes, ...odd]), 'odd-length or non-hex leaves, as an untrusted list may hold');
      },
    ),
  );
});

test('property: merkleRootOfTextDigests is merkleRootOfDigests of each text’s SHA-256 (UTF-8, lone surrogates as U+FFFD, texts longer than its buffer)', (t) => {
  const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', minLength: 100, maxLength: 400 }));
  fc.assert(
    fc.property(fc.array(text, { maxLength: 40 }), (texts) => {
      const root = merkleRootOfTextDigests(texts.length, (i) => texts[i]!);
      t.is(root, merkleRootOfDigests(texts.map((x) => sha256(x))));
      t.is(root, referenceRoot(texts.map((x) => createHash('sha256').update(x).digest('hex'))));
    }),
  );
});

test('property: a recordsRoot is the same from the records’ texts, from the digests of their UTF-8 bytes, as merkleRoot of each one’s SHA-256 (the refs), and with the refs of some given', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.boolean()), { maxLength: 40 }), (entries) => {
      const texts = entries.map(([text]) => text);
      const root = recordsRootOf(texts);
      t.is(root, merkleRootOfDigests(texts.map((x) => sha256(Buffer.from(x, 'utf8')))));
      t.is(root, merkleRoot(texts.map((x) => sha256Hex(x))));
      const known = new Map(entries.filter(([, given]) => given).map(([text]) => [text, sha256Hex(text)]));
      t.is(
        recordsRootOf(texts, (text) => known.get(text)),
        root,
      );
    }),
  );
});

test('long lists, odd at several levels, have the reference root (a block of thousands of txs)', (t) => {
  for (const n of [511, 512, 1000, 1025, 3001]) {
    const hexes = Array.from({ length: n }, (_, i) => createHash('sha256').update(`leaf ${i}`).digest('hex'));
    t.is(merkleRoot(hexes), referenceRoot(hexes), `${n} leaves`);
    t.is(merkleRootOfDigests(hexes.map((hex) => Buffer.from(hex, 'hex'))), referenceRoot(hexes), `${n} digests`);
    t.is(merkleTree(hexes).root, referenceRoot(hexes), `${n} leaves, kept for proofs`);
  }
});

test('a long list asked again gets the same root from the recent ones; a list differing in one hash, or changed by its caller after, gets its own', (t) => {
  const hashes = Array.from({ length: 100 }, (_, i) => sha256Hex(`tx ${i}`));
  const root = merkleRoot(hashes);
  t.is(merkleRoot([...hashes]), root);
  const other = [...hashes.slice(0, -1), sha256Hex('another')];
  const otherRoot = merkleRoot(other);
  t.not(otherRoot, root);
  t.is(merkleRoot(other), otherRoot);
  t.is(merkleTree(other).root, otherRoot, 'the same root as the tree computes without the recent ones');
  hashes[0] = sha256Hex('changed');
  t.is(merkleRoot(hashes), merkleTree(hashes).root);
  t.not(merkleRoot(hashes), root);
});

test('without libsodium (AIN_VERIFIER=node:crypto, in a child process) the roots are the same: the fallback is RFC 6962 too', (t) => {
  const lists = [0, 1, 2, 3, 7, 64, 65, 511, 1025].map((n) => Array.from({ length: n }, (_, i) => sha256Hex(`leaf ${i} of ${n}`)));
  lists.push([...hashes(5), 'abc', 'xyz'], [...hashes(70), '0'.repeat(63)]); // odd leaves, as an untrusted list may hold
  const out = execFileSync(process.execPath, scriptArgs('test/log/crypto/merkleRoots.ts'), {
    input: JSON.stringify(lists),
    env: { ...process.env, [forceNodeCryptoEnv]: 'node:crypto' },
  });
  const child = JSON.parse(out.toString()) as { verifier: string; sodium: boolean; roots: { root: string; ofDigests: string | null }[] };
  t.deepEqual([child.verifier, child.sodium], ['node:crypto', false], 'the child ran without libsodium');
  for (const [i, list] of lists.entries()) {
    t.is(child.roots[i]!.root, referenceRoot(list), `${list.length} leaves`);
    t.is(child.roots[i]!.root, merkleRoot(list), `${list.length} leaves, as this process computes them`);
    if (child.roots[i]!.ofDigests !== null) t.is(child.roots[i]!.ofDigests, referenceRoot(list), `${list.length} digests`);
  }
});
