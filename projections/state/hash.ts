import { sha256Hex } from '../../log/index.ts';
import { groupSize, payloadText, smallNodeText, wideNodeText, type HashFn } from './hashText.ts';
import type { TrieNode } from './trie.ts';
import { buildIndex, slotHashes, syncLabel, type WideIndex } from './wideIndex.ts';

export { payloadText, type HashFn } from './hashText.ts';

export const defaultHash: HashFn = sha256Hex;

const none: readonly string[] = [];

/**
 * The group index of a wide node, built on first use and then kept in step with the labels writes
 * touched (so a block rehashes only the groups on its labels' way). Undefined for a small node.
 */
export function wideIndexOf(node: TrieNode<unknown>, hash: HashFn): WideIndex | undefined {
  const children = node.children;
  const order = node.order;
  if (children === undefined || children.size <= groupSize) {
    if (order !== undefined && !Array.isArray(order)) node.order = undefined;
    return undefined;
  }
  if (order === undefined || Array.isArray(order)) {
    const index = buildIndex([...children.keys()], hash);
    node.order = index;
    return index;
  }
  for (const label of order.dirty) syncLabel(order, label, children.has(label), hash);
  order.dirty.length = 0;
  if (order.scan) {
    for (const [label, child] of children) if (child.hash === undefined) syncLabel(order, label, true, hash);
    order.scan = false;
  }
  if (order.root.count !== children.size) throw new Error(`a wide node lists ${order.root.count} children but has ${children.size}`);
  return order;
}

/** Sorted child labels of a small node, cached until a child is added or removed. */
export function sortedLabels(node: TrieNode<unknown>): readonly string[] {
  const order = node.order;
  if (Array.isArray(order)) return order;
  if (node.children === undefined || node.children.size === 0) return none;
  const labels = [...node.children.keys()].sort();
  if (order === undefined) node.order = labels;
  return labels;
}

/** A child's hash getter for the groups of `node`. */
export function childHashOf(node: TrieNode<unknown>, hash: HashFn): (label: string) => string {
  return (label) => hashNode(node.children!.get(label)!, hash);
}

/**
 * The hash of a node, computing only what writes left dirty below it: SHA-256 of
 * `[payload, label₁, hash₁, …]` for up to 16 children, of `[payload, [s₀, …, s₁₅]]` beyond
 * (see hashText.ts and docs/rules.md).
 */
export function hashNode(node: TrieNode<unknown>, hash: HashFn = defaultHash): string {
  if (node.hash !== undefined) return node.hash;
  const payload = payloadText(node.payload);
  if (node.children === undefined || node.children.size === 0) {
    // A leaf keeps nothing but its hash: no label list, no index.
    node.order = undefined;
    node.hash = hash(smallNodeText(payload, none, none));
    return node.hash;
  }
  const index = wideIndexOf(node, hash);
  if (index !== undefined) {
    node.hash = hash(wideNodeText(payload, slotHashes(index.root, childHashOf(node, hash), hash)));
    return node.hash;
  }
  const labels = sortedLabels(node);
  node.hash = hash(
    smallNodeText(
      payload,
      labels,
      labels.map((l) => hashNode(node.children!.get(l)!, hash)),
    ),
  );
  return node.hash;
}

/** The four parts of the state under one root hash, in label order. */
export const stateParts = ['functions', 'owners', 'rules', 'values'] as const;
export type StatePart = (typeof stateParts)[number];

/** The state root: the hash of a node whose children are the four parts. */
export function stateRootOf(partHashes: Readonly<Record<StatePart, string>>, hash: HashFn = defaultHash): string {
  return hash(
    smallNodeText(
      'null',
      stateParts,
      stateParts.map((p) => partHashes[p]),
    ),
  );
}
