import { AinError } from '../../schemas/index.ts';
import { sodiumOrNull } from './ed25519.ts';
import { sha256, sha256Hex } from './hash.ts';
import { checkMerkleProof, type MerkleProof } from './verifyTxProof.ts';

export type { MerkleProof } from './verifyTxProof.ts';

/**
 * Merkle trees over tx hashes as RFC 6962 (Certificate Transparency) defines them: leaves and
 * inner nodes are hashed with different prefixes, and an odd tree is split at the largest power
 * of two, so no two different lists share a root (unlike Bitcoin's duplicate-last-leaf rule).
 */
const leafPrefix = Buffer.from([0]);
const nodePrefix = Buffer.from([1]);

const leafHash = (hashHex: string) => sha256(Buffer.concat([leafPrefix, Buffer.from(hashHex, 'hex')]));

// Roots are computed by the block, over every tx: one scratch buffer for the hash inputs instead
// of a Buffer.concat (and a hex decode) per leaf and node. Hashing is synchronous, so it is never
// shared between two inputs at once.
const scratch = Buffer.alloc(65);

/** SHA-256(0x00 ‖ digest) for a 32-byte digest, as leafHash of its hex. */
function leafOfDigest(digest: Uint8Array): Buffer {
  scratch[0] = 0;
  scratch.set(digest, 1);
  return sha256(scratch.subarray(0, 1 + digest.length));
}

/** leafHash, without allocating for the usual 64-hex-digit hash. */
function leafOfHex(hashHex: string): Buffer {
  if (hashHex.length !== 64) return leafHash(hashHex);
  scratch[0] = 0;
  const written = scratch.write(hashHex, 1, 'hex');
  return sha256(scratch.subarray(0, 1 + written));
}

/** SHA-256(0x01 ‖ left ‖ right) of two 32-byte hashes. */
function nodeHash(left: Buffer, right: Buffer): Buffer {
  if (left.length !== 32 || right.length !== 32) return sha256(Buffer.concat([nodePrefix, left, right]));
  scratch[0] = 1;
  left.copy(scratch, 1);
  right.copy(scratch, 33);
  return sha256(scratch);
}

/** Largest power of two strictly below n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function rootOf(leaves: readonly Buffer[], from: number, to: number): Buffer {
  if (to - from === 1) return leaves[from]!;
  const k = splitPoint(to - from);
  return nodeHash(rootOf(leaves, from, from + k), rootOf(leaves, from + k, to));
}

// With libsodium, a whole root is computed in one buffer of 32 bytes per leaf: each leaf hash goes
// into its slot, then each level's pairs are hashed into the front of it (pair i into slot i), an
// odd last node moving up as it is, which is RFC 6962's tree (split at the largest power of two)
// built bottom up. SHA-256 writes into a scratch buffer: nothing is allocated per hash, twice as
// fast as a Buffer per hash. Without libsodium, the recursion above.
const sha256Into = sodiumOrNull()?.crypto_hash_sha256 ?? null;
const hashOut = Buffer.alloc(32);
const hashIn = Buffer.alloc(65);
const leafIn = hashIn.subarray(0, 33);

/**
 * The leaf hashes of `count` leaves in one buffer (slot i at byte 32·i): `write(i)` puts leaf i's
 * 32 bytes at hashIn[1..33] and says whether it could (else null: the recursion takes the list).
 */
function leafLevel(hash: NonNullable<typeof sha256Into>, count: number, write: (i: number) => boolean): Buffer | null {
  const level = Buffer.allocUnsafe(count * 32);
  for (let i = 0; i < count; i++) {
    hashIn[0] = 0;
    if (!write(i)) return null;
    hash(hashOut, leafIn);
    hashOut.copy(level, i * 32);
  }
  return level;
}

/** The root of `count` leaf hashes in `level`, as lowercase hex; `level` is overwritten. */
function rootOfLevel(hash: NonNullable<typeof sha256Into>, level: Buffer, count: number): string {
  hashIn[0] = 1;
  while (count > 1) {
    const pairs = count >> 1;
    for (let i = 0; i < pairs; i++) {
      level.copy(hashIn, 1, i * 64, i * 64 + 64);
      hash(hashOut, hashIn);
      hashOut.copy(level, i * 32);
    }
    if (count % 2 === 1) level.copy(level, pairs * 32, (count - 1) * 32, count * 32);
    count = pairs + (count % 2);
  }
  return level.toString('hex', 0, 32);
}

function rootOfHexes(hashes: readonly string[]): string {
  const level = sha256Into === null ? null : leafLevel(sha256Into, hashes.length, (i) => hashes[i]!.length === 64 && hashIn.write(hashes[i]!, 1, 'hex') === 32);
  return level === null ? rootOf(hashes.map(leafOfHex), 0, hashes.length).toString('hex') : rootOfLevel(sha256Into!, level, hashes.length);
}

/**
 * Merkle root (lowercase hex) of a list of tx hashes; the empty list's root is SHA-256 of nothing.
 * @example merkleRoot([txHash]) // sha256(0x00 ‖ txHash)
 */
export function merkleRoot(hashes: readonly string[]): string {
  if (hashes.length === 0) return sha256(Buffer.alloc(0)).toString('hex');
  if (hashes.length < recentRootsMinLeaves) return rootOfHexes(hashes);
  const recent = recentRoots.find((entry) => sameList(entry.hashes, hashes));
  if (recent !== undefined) return recent.root;
  const root = rootOfHexes(hashes);
  recentRoots.unshift({ hashes: [...hashes], root });
  if (recentRoots.length > recentRootsMax) recentRoots.pop();
  return root;
}

// A block's txRoot is asked for more than once on a node (the proposal's check, then the block
// cutter as the node folds the block): the roots of the last few long lists are kept. A hit costs
// a comparison of the lists, a small part of hashing 2n times; the result is the same either way.
const recentRootsMax = 4;
const recentRootsMinLeaves = 64;
const recentRoots: { readonly hashes: readonly string[]; readonly root: string }[] = [];
const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((hash, i) => hash === b[i]);

/**
 * merkleRoot of the hex of each digest, from the digests themselves (no hex round trip):
 * `merkleRootOfDigests(ds) === merkleRoot(ds.map(hex))`.
 */
export function merkleRootOfDigests(digests: readonly Uint8Array[]): string {
  if (digests.length === 0) return sha256(Buffer.alloc(0)).toString('hex');
  const level =
    sha256Into === null
      ? null
      : leafLevel(sha256Into, digests.length, (i) => {
          if (digests[i]!.byteLength !== 32) return false;
          hashIn.set(digests[i]!, 1);
          return true;
        });
  return level === null ? rootOf(digests.map(leafOfDigest), 0, digests.length).toString('hex') : rootOfLevel(sha256Into!, level, digests.length);
}

/**
 * merkleRootOfDigests of the SHA-256 of each of `count` texts (UTF-8), `textAt(i)` the i-th, with
 * no Buffer per text (a block's outcome root hashes one text per tx).
 * `merkleRootOfTextDigests(n, at) === merkleRootOfDigests(texts.map(sha256))`.
 */
export function merkleRootOfTextDigests(count: number, textAt: (i: number) => string): string {
  if (count === 0 || sha256Into === null) return merkleRootOfDigests(Array.from({ length: count }, (_, i) => sha256(textAt(i))));
  // Each text's digest by node:crypto's one-shot, as hex into the leaf's input: OpenSSL's SHA-256
  // (SHA-NI where the CPU has it) outruns libsodium's on a text, its UTF-8 written out, while
  // libsodium's is the faster for the tree's 33- and 65-byte inputs (docs/benchmarks.md).
  const level = leafLevel(sha256Into, count, (i) => hashIn.write(sha256Hex(textAt(i)), 1, 'hex') === 32);
  return rootOfLevel(sha256Into, level!, count);
}

/**
 * A block's recordsRoot from its records' texts (their UTF-8 is what the log holds): the root of
 * the SHA-256 of each, `recordsRootOf(texts) === merkleRoot(texts.map(sha256Hex))`, which the
 * block cutter computes from the records' refs. `refOf` gives the SHA-256 (hex) of a text's UTF-8
 * where the caller holds it already (a mempool keeps each record's), so it is not taken again.
 */
export function recordsRootOf(records: readonly string[], refOf?: (text: string) => string | undefined): string {
  if (refOf === undefined || records.length === 0 || sha256Into === null) return merkleRootOfTextDigests(records.length, (i) => records[i]!);
  const level = leafLevel(sha256Into, records.length, (i) => hashIn.write(refOf(records[i]!) ?? sha256Hex(records[i]!), 1, 'hex') === 32);
  return level === null ? merkleRootOfTextDigests(records.length, (i) => records[i]!) : rootOfLevel(sha256Into, level, records.length);
}

/** The leaves' subtree roots, each computed once however many proofs are asked of the tree. */
function memoizedRoots(leaves: readonly Buffer[]): (from: number, to: number) => Buffer {
  const roots = new Map<number, Buffer>();
  const rootOfRange = (from: number, to: number): Buffer => {
    if (to - from === 1) return leaves[from]!;
    const key = from * (leaves.length + 1) + to;
    let root = roots.get(key);
    if (root === undefined) {
      const k = splitPoint(to - from);
      root = nodeHash(rootOfRange(from, from + k), rootOfRange(from + k, to));
      roots.set(key, root);
    }
    return root;
  };
  return rootOfRange;
}

/** A Merkle tree over tx hashes: its root, and the inclusion proof of any leaf. */
export interface MerkleTree {
  readonly root: string;
  readonly size: number;
  proof(index: number): MerkleProof;
}

/**
 * The tree of `hashes` (at least one), kept whole: the first proof costs a root's work, each next
 * one only its path.
 * @example merkleTree(block.txs.map((t) => t.hash)).proof(3).path
 */
export function merkleTree(hashes: readonly string[]): MerkleTree {
  if (hashes.length === 0) throw new AinError('INTERNAL', 'A Merkle tree needs at least one leaf to prove.');
  const rootOfRange = memoizedRoots(hashes.map(leafOfHex));
  const size = hashes.length;
  const pathOf = (index: number, from: number, to: number, out: string[]): void => {
    if (to - from <= 1) return;
    const k = splitPoint(to - from);
    if (index < from + k) {
      pathOf(index, from, from + k, out);
      out.push(rootOfRange(from + k, to).toString('hex'));
    } else {
      pathOf(index, from + k, to, out);
      out.push(rootOfRange(from, from + k).toString('hex'));
    }
  };
  return {
    root: rootOfRange(0, size).toString('hex'),
    size,
    proof(index) {
      if (!Number.isInteger(index) || index < 0 || index >= size) {
        throw new AinError('NOT_FOUND', `There is no leaf ${index} in a tree of ${size} tx hashes.`);
      }
      const path: string[] = [];
      pathOf(index, 0, size, path);
      return { index, size, path };
    },
  };
}

/** The inclusion proof of `hashes[index]`. */
export function merkleProof(hashes: readonly string[], index: number): MerkleProof {
  if (!Number.isInteger(index) || index < 0 || index >= hashes.length) {
    throw new AinError('NOT_FOUND', `There is no leaf ${index} in a tree of ${hashes.length} tx hashes.`);
  }
  return merkleTree(hashes).proof(index);
}

/** Recomputes the root from a leaf and its proof (RFC 9162 §2.1.3.2) and compares it: checkMerkleProof, which a browser runs too. */
export function verifyMerkleProof(hash: string, proof: MerkleProof, root: string): boolean {
  return checkMerkleProof(hash, proof, root);
}
