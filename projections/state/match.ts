import type { TrieNode } from './trie.ts';

/** A node of a rule or function trie that matched a path, and what its `$variables` bound. */
export interface PatternHit<P> {
  readonly payload: P;
  /** Labels of the pattern, e.g. ['apps', '$user']. */
  readonly pattern: readonly string[];
  readonly vars: ReadonlyMap<string, string>;
}

export interface PatternWalk<P> {
  /** Every node with a payload from the root down to the path, closest last. */
  readonly hits: PatternHit<P>[];
  /** The node the whole path matched, if the walk got that far. */
  readonly end: TrieNode<P> | undefined;
}

/**
 * Walks a pattern trie along a path as the AI Network matches rules: at each level an exact label
 * beats the `$variable`, and the walk never backtracks. `all` keeps every hit (functions); without
 * it only the closest one is kept (rules).
 * @example walkPattern(rules, ['apps', 'chat', '0xab…'], false).hits.at(-1) // the deciding rule
 */
export function walkPattern<P>(root: TrieNode<P>, labels: readonly string[], all: boolean): PatternWalk<P> {
  const hits: PatternHit<P>[] = [];
  const pattern: string[] = [];
  let bound: [string, string][] | undefined;
  // Without `all` only the closest hit is built, once the walk ends (a rule check runs per write):
  // its payload, and how many labels and bindings the pattern had there.
  let closest: P | undefined;
  let closestDepth = 0;
  let closestBindings = 0;
  const walked = (end: TrieNode<P> | undefined): PatternWalk<P> => {
    if (!all && closest !== undefined) {
      hits.push({ payload: closest, pattern: pattern.slice(0, closestDepth), vars: new Map(bound?.slice(0, closestBindings)) });
    }
    return { hits, end };
  };
  let node: TrieNode<P> = root;
  if (root.payload !== undefined) {
    if (all) hits.push({ payload: root.payload, pattern: [], vars: new Map() });
    else closest = root.payload;
  }
  for (const label of labels) {
    const children: Map<string, TrieNode<P>> | undefined = node.children;
    if (children === undefined) return walked(undefined);
    let next = children.get(label);
    if (next !== undefined) {
      pattern.push(label);
    } else if (node.variable !== undefined) {
      next = children.get(node.variable)!;
      pattern.push(node.variable);
      (bound ??= []).push([node.variable, label]);
    } else {
      return walked(undefined);
    }
    node = next;
    if (node.payload === undefined) continue;
    if (all) hits.push({ payload: node.payload, pattern: pattern.slice(), vars: new Map(bound) });
    else {
      closest = node.payload;
      closestDepth = pattern.length;
      closestBindings = bound?.length ?? 0;
    }
  }
  return walked(node);
}
