import { groupSize, innerGroupText, keyNibbles, leafGroupText, nibble, type HashFn } from './hashText.ts';

/**
 * The children of a wide node (more than 16) grouped by the hex digits of SHA-256(label): a
 * deterministic 16-ary radix tree whose shape depends only on the set of labels, so the hash stays
 * a function of content while a write rehashes only the groups on its label's way and a proof
 * carries ~16 hashes per group level instead of every sibling. Imports nothing that needs node.
 *
 * Kept small, since a wide node of n children has about n/4 groups: a leaf group is just its
 * labels, sorted, in an array of exactly their number (replaced, not grown, when one comes or
 * goes); an inner group holds its 16 slots and their cached hashes.
 */
export type LeafGroup = readonly string[];

export interface InnerGroup {
  /** Children listed at or below this group. */
  count: number;
  /** Subgroups by the next hex digit. */
  readonly slots: (Group | undefined)[];
  /** Cached hash of each slot's group; undefined while a child in it changed (or none is there). */
  readonly hashes: (string | undefined)[];
}

export type Group = InnerGroup | LeafGroup;

/** The group index of a wide node, and what changed below it since it was last brought up to date. */
export interface WideIndex {
  readonly root: InnerGroup;
  /**
   * Labels of children added, removed or changed (repeats allowed). Only the first few changes are
   * listed (see `dirtyListMax`); past them `scan` is set and hashing looks for the children whose
   * hash is undefined instead, so a long run of writes keeps no label alive. Removals are always
   * listed, since a scan cannot see them.
   */
  readonly dirty: string[];
  scan: boolean;
}

/** A child's hash by label. */
export type ChildHash = (label: string) => string;

/**
 * Changes listed per wide node before hashing scans all its children instead: at least 1/32 of
 * them, so a scan costs at most 32 child checks per write that led to it.
 */
export function dirtyListMax(index: WideIndex): number {
  return index.root.count >>> 5 > 32 ? index.root.count >>> 5 : 32;
}

function isLeaf(group: Group): group is LeafGroup {
  return Array.isArray(group);
}

function emptySlots<T>(): (T | undefined)[] {
  return [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ];
}

/** The group of `labels` (with their keys) `depth` hex digits down: inner while more than 16. */
export function buildGroup(labels: string[], keys: string[], depth: number): Group {
  if (labels.length <= groupSize || depth >= keyNibbles) return labels.slice().sort();
  const byDigit: { labels: string[]; keys: string[] }[] = Array.from({ length: 16 }, () => ({ labels: [], keys: [] }));
  for (let i = 0; i < labels.length; i++) {
    const bucket = byDigit[nibble(keys[i]!, depth)]!;
    bucket.labels.push(labels[i]!);
    bucket.keys.push(keys[i]!);
  }
  const slots = emptySlots<Group>();
  for (let d = 0; d < 16; d++) if (byDigit[d]!.labels.length > 0) slots[d] = buildGroup(byDigit[d]!.labels, byDigit[d]!.keys, depth + 1);
  return { count: labels.length, slots, hashes: emptySlots<string>() };
}

/** The top group of more than 16 labels (always inner). */
export function buildRoot(labels: string[], hash: HashFn): InnerGroup {
  if (labels.length <= groupSize) throw new Error('a wide node has more than 16 children');
  return buildGroup(labels, labels.map(hash), 0) as InnerGroup;
}

/** The index of a set of labels (more than 16). */
export function buildIndex(labels: string[], hash: HashFn): WideIndex {
  return { root: buildRoot(labels, hash), dirty: [], scan: false };
}

function allLabels(group: Group, out: string[] = []): string[] {
  if (isLeaf(group)) out.push(...group);
  else for (const slot of group.slots) if (slot !== undefined) allLabels(slot, out);
  return out;
}

/** `labels` with `label` inserted in order, in a new array of exactly the right length. */
function withLabel(labels: LeafGroup, label: string): string[] {
  let at = 0;
  while (at < labels.length && labels[at]! < label) at++;
  return labels.toSpliced(at, 0, label);
}

/**
 * Brings the index in line with one label after a write: lists it if `present`, drops it if not,
 * and clears the hashes on its way. Groups split past 16 labels and merge back at 16 or fewer, so
 * the shape is the same whatever order the writes came in.
 */
export function syncLabel(index: WideIndex, label: string, present: boolean, hash: HashFn): void {
  const key = hash(label);
  const path: InnerGroup[] = [];
  let group = index.root;
  for (let depth = 0; ; depth++) {
    const digit = nibble(key, depth);
    group.hashes[digit] = undefined;
    path.push(group);
    const next = group.slots[digit];
    if (next === undefined) {
      if (!present) return;
      for (const g of path) g.count++;
      group.slots[digit] = [label];
      return;
    }
    if (!isLeaf(next)) {
      group = next;
      continue;
    }
    const at = next.indexOf(label);
    if (present === (at !== -1)) return;
    for (const g of path) g.count += present ? 1 : -1;
    if (present) {
      const labels = withLabel(next, label);
      group.slots[digit] = labels.length > groupSize && depth + 1 < keyNibbles ? buildGroup(labels, labels.map(hash), depth + 1) : labels;
      return;
    }
    group.slots[digit] = next.length === 1 ? undefined : next.toSpliced(at, 1);
    mergeSmall(path, key);
    return;
  }
}

/** After a removal: the shallowest group (below the root) left with 16 or fewer becomes a leaf. */
function mergeSmall(path: InnerGroup[], key: string): void {
  for (let depth = 1; depth < path.length; depth++) {
    const group = path[depth]!;
    if (group.count > groupSize) continue;
    path[depth - 1]!.slots[nibble(key, depth - 1)] = group.count === 0 ? undefined : allLabels(group).sort();
    return;
  }
}

/** The hash of slot `digit` of an inner group (undefined when empty), recomputed only if a write left it dirty. */
function slotHash(group: InnerGroup, digit: number, childHash: ChildHash, hash: HashFn): string | undefined {
  const cached = group.hashes[digit];
  if (cached !== undefined) return cached;
  const slot = group.slots[digit];
  if (slot === undefined) return undefined;
  const h = isLeaf(slot) ? hash(leafGroupText(slot, slot.map(childHash))) : hash(innerGroupText(slotHashes(slot, childHash, hash)));
  group.hashes[digit] = h;
  return h;
}

/** The slot hashes of an inner group (null where empty), recomputing only groups a write left dirty. */
export function slotHashes(group: InnerGroup, childHash: ChildHash, hash: HashFn): (string | null)[] {
  const out: (string | null)[] = [];
  for (let digit = 0; digit < 16; digit++) out.push(slotHash(group, digit, childHash, hash) ?? null);
  return out;
}

/**
 * What a proof needs of a wide node for `label` (listed or not): the slot hashes of each inner group
 * on the label's way (the slot on the way as null) and the other labels of the leaf group it ends
 * in (none when the way ends at an empty slot).
 */
export function groupPath(index: WideIndex, label: string, childHash: ChildHash, hash: HashFn): { groups: (string | null)[][]; others: string[] } {
  const key = hash(label);
  const groups: (string | null)[][] = [];
  let group: Group | undefined = index.root;
  for (let depth = 0; !isLeaf(group); depth++) {
    const row = slotHashes(group, childHash, hash);
    row[nibble(key, depth)] = null;
    groups.push(row);
    group = group.slots[nibble(key, depth)];
    if (group === undefined) return { groups, others: [] };
  }
  return { groups, others: group.filter((l) => l !== label) };
}
