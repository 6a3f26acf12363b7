import { dirtyListMax, type WideIndex } from './wideIndex.ts';

/**
 * The mutable tree under every part of the state (values, rules, owners, functions): one node per
 * label, children in a Map (so no label ever becomes a JavaScript property), a cached hash that a
 * write clears on its way down (dirty-path tracking), and an undo log that makes `set` atomic
 * without copying anything.
 */
export interface TrieNode<P> {
  payload: P | undefined;
  children: Map<string, TrieNode<P>> | undefined;
  /** The node's Merkle hash; undefined while the node or something below it changed. */
  hash: string | undefined;
  /**
   * How the children are laid out for hashing, set when the node is hashed: their labels in order
   * for up to 16 (dropped when a child is added or removed), their group index beyond (a wide node,
   * kept in step with the writes; see wideIndex.ts). One field for both keeps every node small.
   */
  order: string[] | WideIndex | undefined;
  /** The `$variable` child's label in rule and function paths, so matching needs no scan. */
  variable?: string | undefined;
}

/** Undo steps, run last first to put the tree back as it was. */
export type UndoLog = (() => void)[];

/**
 * A wide node must rehash the group of a child that changed: it learns the label here, or, after
 * many writes, that hashing should scan its children for the ones whose hash is undefined (so a
 * long run of writes neither grows a list nor keeps its labels alive).
 */
function noteChanged(index: WideIndex, label: string): void {
  if (index.scan) return;
  if (index.dirty.length < dirtyListMax(index)) index.dirty.push(label);
  else index.scan = true;
}

/** The wide index of a node, if it has one. */
function wideOf(node: TrieNode<unknown>): WideIndex | undefined {
  const order = node.order;
  return order === undefined || Array.isArray(order) ? undefined : order;
}

export function newNode<P>(payload?: P): TrieNode<P> {
  return { payload, children: undefined, hash: undefined, order: undefined };
}

export function isEmptyNode(node: TrieNode<unknown>): boolean {
  return node.payload === undefined && (node.children === undefined || node.children.size === 0);
}

/** The node at `labels`, if there is one. */
export function findNode<P>(root: TrieNode<P>, labels: readonly string[]): TrieNode<P> | undefined {
  let node: TrieNode<P> | undefined = root;
  for (let i = 0; i < labels.length && node !== undefined; i++) node = node.children?.get(labels[i]!);
  return node;
}

function setChild<P>(parent: TrieNode<P>, label: string, child: TrieNode<P> | undefined, undo: UndoLog | undefined): void {
  const before = parent.children?.get(label);
  if (before === child) return;
  if (undo !== undefined) undo.push(() => setChild(parent, label, before, undefined));
  if (label.charCodeAt(0) === 36 /* $ */) parent.variable = child === undefined ? undefined : label;
  parent.hash = undefined;
  if (child === undefined) {
    parent.children!.delete(label);
    if (Array.isArray(parent.order)) parent.order = undefined;
    // A scan cannot see a child that is gone, so a removal is always listed.
    else wideOf(parent)?.dirty.push(label);
    return;
  }
  if (parent.children === undefined) parent.children = new Map();
  parent.children.set(label, child);
  const order = parent.order;
  if (order === undefined) return;
  if (Array.isArray(order)) {
    if (before === undefined) parent.order = undefined;
  } else if (before === undefined && child.hash !== undefined) {
    // A hashed node coming back (an undo): a scan would not see it either.
    order.dirty.push(label);
  } else if (before === undefined || before.hash !== undefined) {
    // A child that was already dirty has been noted since the last hashing.
    noteChanged(order, label);
  }
}

/** Sets a node's payload in place (undefined removes it), logging the old one. */
export function setPayload<P>(node: TrieNode<P>, payload: P | undefined, undo: UndoLog | undefined): void {
  const before = node.payload;
  if (undo !== undefined)
    undo.push(() => {
      node.payload = before;
      node.hash = undefined;
    });
  node.payload = payload;
  node.hash = undefined;
}

/**
 * Walks to `labels`, creating missing nodes and clearing hashes on the way (every ancestor of a
 * write is dirty). With `exclusive` (the values tree) an ancestor that holds a leaf value loses it,
 * since a node is either a value or an object.
 */
export function reach<P>(root: TrieNode<P>, labels: readonly string[], exclusive: boolean, undo: UndoLog | undefined): TrieNode<P> {
  let node = root;
  node.hash = undefined;
  for (const label of labels) {
    if (exclusive && node.payload !== undefined) setPayload(node, undefined, undo);
    let next = node.children?.get(label);
    if (next === undefined) {
      next = newNode<P>();
      setChild(node, label, next, undo);
    }
    // A child that is already dirty has been noted by its parent since the last hashing.
    if (next.hash !== undefined) {
      next.hash = undefined;
      const wide = wideOf(node);
      if (wide !== undefined) noteChanged(wide, label);
    }
    node = next;
  }
  return node;
}

/**
 * Puts `replacement` at `labels` (undefined deletes) and prunes ancestors left empty.
 * The root itself is replaced by moving the replacement's contents into it.
 */
export function put<P>(
  root: TrieNode<P>,
  labels: readonly string[],
  replacement: TrieNode<P> | undefined,
  exclusive: boolean,
  undo: UndoLog | undefined,
): void {
  if (labels.length === 0) {
    replaceRoot(root, replacement, undo);
    return;
  }
  if (replacement === undefined && findNode(root, labels) === undefined) return;
  const parent = reach(root, labels.slice(0, -1), exclusive, undo);
  if (exclusive && parent.payload !== undefined && replacement !== undefined) setPayload(parent, undefined, undo);
  setChild(parent, labels[labels.length - 1]!, replacement, undo);
  if (replacement === undefined) prune(root, labels, undo);
}

function replaceRoot<P>(root: TrieNode<P>, replacement: TrieNode<P> | undefined, undo: UndoLog | undefined): void {
  const { payload, children } = root;
  if (undo !== undefined)
    undo.push(() => {
      root.payload = payload;
      root.children = children;
      root.order = undefined;
      root.hash = undefined;
    });
  root.payload = replacement?.payload;
  root.children = replacement?.children;
  root.order = undefined;
  root.hash = undefined;
}

/** Removes the nodes along `labels` that hold nothing any more, deepest first (never the root). */
export function prune<P>(root: TrieNode<P>, labels: readonly string[], undo: UndoLog | undefined): void {
  const stack: TrieNode<P>[] = [root];
  for (const label of labels) {
    const next = stack[stack.length - 1]!.children?.get(label);
    if (next === undefined) break;
    stack.push(next);
  }
  for (let depth = stack.length - 1; depth >= 1; depth--) {
    if (!isEmptyNode(stack[depth]!)) return;
    setChild(stack[depth - 1]!, labels[depth - 1]!, undefined, undo);
  }
}

/** Visits every node with a payload, depth first in label order, with its labels. */
export function* walkPayloads<P>(node: TrieNode<P>, labels: string[] = []): Generator<[readonly string[], P]> {
  if (node.payload !== undefined) yield [[...labels], node.payload];
  if (node.children === undefined) return;
  for (const label of [...node.children.keys()].sort()) {
    labels.push(label);
    yield* walkPayloads(node.children.get(label)!, labels);
    labels.pop();
  }
}
