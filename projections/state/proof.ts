import type { StateCore } from './core.ts';
import { defaultHash, hashNode, nodeText, payloadText, stateParts, type HashFn } from './hash.ts';
import type { TrieNode } from './trie.ts';
import type { Leaf } from './value.ts';

/** A child's label and hash. */
export type ProofEntry = readonly [label: string, hash: string];

/**
 * A Merkle proof of the value at a path against a state root. `levels` run from the path's parent
 * up to the root node: for each, the hashes of the children off the path. A proof that nothing is
 * at the path (value null) adds `end`: the deepest node that exists on the way, with all its children.
 */
export interface StateProof {
  readonly path: string;
  readonly levels: readonly (readonly ProofEntry[])[];
  readonly end?: { readonly payload: Leaf | null; readonly children: readonly ProofEntry[] };
}

function entriesOf(node: TrieNode<unknown>, skip: string | undefined, hash: HashFn): ProofEntry[] {
  const out: ProofEntry[] = [];
  if (node.children === undefined) return out;
  for (const label of node.sorted ?? (node.sorted = [...node.children.keys()].sort())) {
    if (label !== skip) out.push([label, hashNode(node.children.get(label)!, hash)]);
  }
  return out;
}

/** The proof for a path's value (or its absence); hashes are brought up to date on the way. */
export function makeProof(core: StateCore, labels: readonly string[], path: string, hash: HashFn = defaultHash): StateProof {
  const stack: TrieNode<Leaf>[] = [core.values];
  for (const label of labels) {
    const next: TrieNode<Leaf> | undefined = stack[stack.length - 1]!.children?.get(label);
    if (next === undefined) break;
    stack.push(next);
  }
  const found = stack.length === labels.length + 1;
  const levels: ProofEntry[][] = [];
  for (let depth = found ? labels.length - 1 : stack.length - 2; depth >= 0; depth--) levels.push(entriesOf(stack[depth]!, labels[depth], hash));
  const parts = { functions: core.functions, owners: core.owners, rules: core.rules, values: core.values };
  levels.push(stateParts.filter((p) => p !== 'values').map((p) => [p, hashNode(parts[p], hash)] as const));
  if (found) return { path, levels };
  const end = stack[stack.length - 1]!;
  return { path, levels, end: { payload: end.payload ?? null, children: entriesOf(end, undefined, hash) } };
}

/** The hash a value's subtree has in the state tree, or undefined when the tree could not hold it. */
export function hashValue(value: unknown, hash: HashFn = defaultHash): string | undefined {
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
    return hash('[' + payloadText(value) + ']');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const labels = Object.keys(value).sort();
  if (labels.length === 0) return undefined;
  const hashes: string[] = [];
  for (const label of labels) {
    const h = hashValue((value as Record<string, unknown>)[label], hash);
    if (h === undefined) return undefined;
    hashes.push(h);
  }
  return hash(nodeText(null, labels, hashes));
}

function climb(entries: readonly ProofEntry[], label: string | undefined, childHash: string | undefined, payload: unknown, hash: HashFn): string | undefined {
  const all = label === undefined ? [...entries] : [...entries, [label, childHash!] as const];
  all.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (let i = 0; i < all.length; i++) {
    const [l, h] = all[i]!;
    if (typeof l !== 'string' || typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) return undefined;
    if (i > 0 && all[i - 1]![0] === l) return undefined;
  }
  return hash(nodeText(payload, all.map((e) => e[0]), all.map((e) => e[1])));
}

function splitPath(path: string): string[] | undefined {
  if (typeof path !== 'string' || !path.startsWith('/')) return undefined;
  if (path === '/') return [];
  const labels = path.slice(1).split('/');
  return labels.some((l) => l.length === 0) ? undefined : labels;
}

/**
 * Checks, with no tree at hand, that `value` (null: nothing) is what the state with root `root`
 * holds at `path`. `hash` is SHA-256 of UTF-8 text as lowercase hex; pass one in a browser.
 * @example verifyProof(header.stateRoot, '/apps/chat/name', 'ann', proof) // true
 */
export function verifyProof(root: string, path: string, value: unknown, proof: StateProof, hash: HashFn = defaultHash): boolean {
  try {
    const labels = splitPath(path);
    if (labels === undefined || proof === null || typeof proof !== 'object' || proof.path !== path || !Array.isArray(proof.levels)) return false;
    const full = ['values', ...labels];
    let h: string | undefined;
    let depth: number;
    if (value === null || value === undefined) {
      const end = proof.end;
      depth = proof.levels.length;
      if (end === undefined || depth < 1 || depth > full.length - 1 || !Array.isArray(end.children)) return false;
      if (end.children.some((e) => e[0] === full[depth])) return false;
      if (end.payload !== null && (typeof end.payload === 'object' || end.children.length > 0)) return false;
      if (end.payload === null && end.children.length === 0 && depth > 1) return false;
      h = climb(end.children, undefined, undefined, end.payload, hash);
    } else {
      if (proof.end !== undefined || proof.levels.length !== full.length) return false;
      depth = full.length;
      h = hashValue(value, hash);
    }
    for (const entries of proof.levels) {
      if (h === undefined || !Array.isArray(entries)) return false;
      depth--;
      h = climb(entries, full[depth], h, null, hash);
    }
    return h !== undefined && h === root;
  } catch {
    return false;
  }
}
