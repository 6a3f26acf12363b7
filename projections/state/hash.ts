import { canonicalJson, sha256Hex } from '../../events/index.ts';
import type { TrieNode } from './trie.ts';

/**
 * Lowercase hex SHA-256 of the UTF-8 bytes of a string. The default is node:crypto's through
 * events/; a browser passes its own (for example @noble/hashes) to `verifyProof`.
 */
export type HashFn = (text: string) => string;

export const defaultHash: HashFn = sha256Hex;

/**
 * The text a node's hash is taken over: the RFC 8785 canonical JSON of the array
 * `[payload ?? null, label₁, hash₁, label₂, hash₂, …]` with children in UTF-16 code unit order
 * (JavaScript's default sort, as RFC 8785 sorts keys). A leaf `5` hashes `[5]`; an object
 * `{ b: 1, a: true }` hashes `[null,"a",H([true]),"b",H([1])]`. Strings and numbers written by
 * JSON.stringify are already canonical, so only object payloads (rules, owners, functions) go
 * through canonicalJson.
 */
export function nodeText(payload: unknown, labels: readonly string[], hashes: readonly string[]): string {
  let text = '[' + payloadText(payload);
  for (let i = 0; i < labels.length; i++) text += ',' + JSON.stringify(labels[i]) + ',"' + hashes[i] + '"';
  return text + ']';
}

export function payloadText(payload: unknown): string {
  if (payload === undefined || payload === null) return 'null';
  return typeof payload === 'object' ? canonicalJson(payload) : JSON.stringify(payload);
}

/** The hash of a node, computing only what writes left dirty below it. */
export function hashNode(node: TrieNode<unknown>, hash: HashFn = defaultHash): string {
  if (node.hash !== undefined) return node.hash;
  const children = node.children;
  if (children === undefined || children.size === 0) {
    node.hash = hash('[' + payloadText(node.payload) + ']');
    return node.hash;
  }
  const sorted = node.sorted ?? (node.sorted = [...children.keys()].sort());
  let text = '[' + payloadText(node.payload);
  for (const label of sorted) text += ',' + JSON.stringify(label) + ',"' + hashNode(children.get(label)!, hash) + '"';
  node.hash = hash(text + ']');
  return node.hash;
}

/** The four parts of the state under one root hash, in label order. */
export const stateParts = ['functions', 'owners', 'rules', 'values'] as const;
export type StatePart = (typeof stateParts)[number];

/** The state root: the hash of a node whose children are the four parts. */
export function stateRootOf(partHashes: Readonly<Record<StatePart, string>>, hash: HashFn = defaultHash): string {
  return hash(nodeText(null, stateParts, stateParts.map((p) => partHashes[p])));
}
