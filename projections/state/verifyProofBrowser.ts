import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { checkProof, type StateProof } from './checkProof.ts';

export type { ProofEntry, ProofKind, ProofLevel, StateProof } from './checkProof.ts';

/** SHA-256 of UTF-8 text as lowercase hex, in plain JavaScript (@noble/hashes). */
export function browserHash(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/**
 * `verifyProof` for a browser or any runtime without node: the same check as the node path, with
 * @noble/hashes' SHA-256, importing nothing that needs node (test/projections/state checks the
 * import graph).
 * @example verifyProof(header.stateRoot, '/apps/chat/name', 'ann', proof) // true
 */
export function verifyProof(root: string, path: string, value: unknown, proof: StateProof): boolean {
  return checkProof(root, path, value, proof, browserHash);
}
