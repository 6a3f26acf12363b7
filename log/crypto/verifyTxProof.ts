import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

// Checks a tx's inclusion in a block in plain JavaScript (@noble/hashes, no node: module), so a
// browser checks what a node checks: test/log/crypto/verifyTxProof.test.ts walks the imports.

/** An inclusion proof: the sibling hashes from the leaf up, for the leaf at `index` of `size` (RFC 6962). */
export interface MerkleProof {
  readonly index: number;
  readonly size: number;
  readonly path: readonly string[];
}

const leafPrefix = Uint8Array.of(0);
const nodePrefix = Uint8Array.of(1);
const hashHex = /^[0-9a-f]{64}$/;

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) out.set(part, (at += part.length) - part.length);
  return out;
}

/**
 * The root an inclusion proof leads to from a leaf (a 32-byte hash as lowercase hex), by RFC 9162
 * §2.1.3.2; null when the proof cannot be one (index out of range, a path of the wrong length, a
 * hash that is not 64 lowercase hex digits).
 */
export function rootFromProof(leafHex: string, { index, size, path }: MerkleProof): string | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size || !hashHex.test(leafHex)) return null;
  let fn = index;
  let sn = size - 1;
  let r = sha256(concat(leafPrefix, hexToBytes(leafHex)));
  for (const siblingHex of path) {
    if (sn === 0 || typeof siblingHex !== 'string' || !hashHex.test(siblingHex)) return null;
    const sibling = hexToBytes(siblingHex);
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(concat(nodePrefix, sibling, r));
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = sha256(concat(nodePrefix, r, sibling));
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? bytesToHex(r) : null;
}

/** Whether `proof` shows the leaf `leafHex` in the tree whose root is `root`. */
export function checkMerkleProof(leafHex: string, proof: MerkleProof, root: string): boolean {
  return rootFromProof(leafHex, proof) === root;
}

/** A tx's place in its block, with the sibling paths to the header's `txRoot` and `outcomeRoot`. */
export interface TxInclusionProof {
  /** The tx's position among the block's records, and how many there are. */
  readonly index: number;
  readonly size: number;
  /** Siblings from the leaf (the tx hash) up to `txRoot`. */
  readonly txPath: readonly string[];
  /** Siblings from the leaf SHA-256(`<tx hash>:<outcome code>`) up to `outcomeRoot`. */
  readonly outcomePath: readonly string[];
}

/** What a tx proof is checked against: the roots its block's header commits to. */
export interface TxRoots {
  readonly txRoot: string;
  readonly outcomeRoot: string;
}

/** Which root a tx proof fails to reach, or null when it reaches both. */
export type TxProofProblem = 'txRoot' | 'outcomeRoot' | null;

/** The outcome leaf of a tx: SHA-256 of `<tx hash>:<code>` (UTF-8), as the ledger commits it. */
export function outcomeLeafOf(hash: string, code: string): string {
  return bytesToHex(sha256(utf8ToBytes(`${hash}:${code}`)));
}

/**
 * Checks that the tx `hash` is the record at `proof.index` of a block whose header holds `roots`,
 * and that it came to `code` there: null when both hold, else the root the proof does not reach.
 * @example verifyTxProof(answer.hash, answer.outcome.code, answer.proof, answer.header) // null
 */
export function verifyTxProof(hash: string, code: string, proof: TxInclusionProof, roots: TxRoots): TxProofProblem {
  const { index, size } = proof;
  if (!checkMerkleProof(hash, { index, size, path: proof.txPath }, roots.txRoot)) return 'txRoot';
  if (!checkMerkleProof(outcomeLeafOf(hash, code), { index, size, path: proof.outcomePath }, roots.outcomeRoot)) return 'outcomeRoot';
  return null;
}
