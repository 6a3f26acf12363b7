import type { ReadConcernEntry, StateCore } from './stateCore.ts';
import { findNode, isEmptyNode, newNode, put, type TrieNode } from './trie.ts';

/**
 * Records the read concern of a value write at `labels` (the last write of a path wins, as the
 * serverless draft says; a write without one clears it). A write replaces the whole subtree at its
 * path, so the entries below it describe values that are gone and go with it; a delete leaves no
 * entry, and neither do the empty parents the delete pruned. So entries sit only at paths that hold
 * a value: there are never more of them than value nodes.
 */
export function recordReadConcern(core: StateCore, labels: readonly string[], n: number | undefined, height: number): void {
  const entries = core.readConcerns;
  const entry = n === undefined || n === 0 ? undefined : { n, height };
  if (entry === undefined && entries.children === undefined && entries.payload === undefined) return;
  const gone = firstMissing(core.values, labels);
  if (gone !== undefined) put(entries, labels.slice(0, gone + 1), undefined, false, core.undo);
  else put(entries, labels, entry === undefined ? undefined : newNode(entry), false, core.undo);
}

/** The depth of the first label on the path with no value node (-1: the whole tree is empty), if any. */
function firstMissing(values: TrieNode<unknown>, labels: readonly string[]): number | undefined {
  let node: TrieNode<unknown> | undefined = values;
  for (let depth = 0; depth < labels.length; depth++) {
    node = node.children?.get(labels[depth]!);
    if (node === undefined) return depth;
  }
  return labels.length === 0 && isEmptyNode(values) ? -1 : undefined;
}

/** The read concern recorded exactly at a path, if any. */
export function readConcernAt(entries: TrieNode<ReadConcernEntry>, labels: readonly string[]): ReadConcernEntry | undefined {
  return findNode(entries, labels)?.payload;
}

/**
 * Whether a value is recommended to read at `height`: every write on the path or above it that
 * asked for n confirmations has them (written at h, readable from h + n).
 */
export function isRecommendedToRead(entries: TrieNode<ReadConcernEntry>, labels: readonly string[], height: number): boolean {
  let node: TrieNode<ReadConcernEntry> | undefined = entries;
  for (let depth = 0; node !== undefined; depth++) {
    const entry = node.payload;
    if (entry !== undefined && height < entry.height + entry.n) return false;
    if (depth === labels.length) break;
    node = node.children?.get(labels[depth]!);
  }
  return true;
}
