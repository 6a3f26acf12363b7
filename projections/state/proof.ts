import type { StateCore } from './stateCore.ts';
import { checkProof, hashValueWith, type ProofEntry, type ProofKind, type ProofLevel, type StateProof } from './checkProof.ts';
import { childHashOf, defaultHash, hashNode, sortedLabels, stateParts, wideIndexOf, type HashFn } from './hash.ts';
import type { TrieNode } from './trie.ts';
import { groupPath, slotHashes } from './wideIndex.ts';

export { proofKinds, type ProofEntry, type ProofKind, type ProofLevel, type StateProof } from './checkProof.ts';

/**
 * What a proof shows of `node` for `label` (on the path or, at a proof's end, the next label, which
 * is not there; undefined for the node at the path itself): its payload and the children that are
 * not on the way, through the groups of a wide node. Hashes are brought up to date on the way.
 */
function levelOf(node: TrieNode<unknown>, label: string | undefined, hash: HashFn): ProofLevel {
  const payload = node.payload === undefined ? {} : { payload: node.payload };
  const index = wideIndexOf(node, hash);
  const childHash = childHashOf(node, hash);
  if (index === undefined) {
    const siblings: ProofEntry[] = sortedLabels(node)
      .filter((l) => l !== label)
      .map((l) => [l, childHash(l)]);
    return { ...payload, siblings };
  }
  if (label === undefined) return { ...payload, siblings: [], groups: [slotHashes(index.root, childHash, hash)] };
  const { groups, others } = groupPath(index, label, childHash, hash);
  return { ...payload, siblings: others.map((l) => [l, childHash(l)]), groups };
}

/** The trie a proof kind goes into. */
function partOf(core: StateCore, kind: ProofKind): TrieNode<unknown> {
  return core[kind] as TrieNode<unknown>;
}

/**
 * The proof for a path in one part of the state: a value (or its absence), or the rule, owner
 * config or functions set exactly at the path (or their absence).
 */
export function makeProof(core: StateCore, labels: readonly string[], path: string, kind: ProofKind = 'values', hash: HashFn = defaultHash): StateProof {
  const stack: TrieNode<unknown>[] = [partOf(core, kind)];
  for (const label of labels) {
    const next = stack[stack.length - 1]!.children?.get(label);
    if (next === undefined) break;
    stack.push(next);
  }
  const found = stack.length === labels.length + 1;
  const withEnd = !found || kind !== 'values' || isEmptyValuesRoot(stack);
  const levels: ProofLevel[] = [];
  for (let depth = stack.length - 2; depth >= 0; depth--) levels.push(levelOf(stack[depth]!, labels[depth], hash));
  const parts = { functions: core.functions, owners: core.owners, rules: core.rules, values: core.values };
  levels.push({ siblings: stateParts.filter((p) => p !== kind).map((p) => [p, hashNode(parts[p], hash)] as const) });
  const head = kind === 'values' ? { path } : { path, kind };
  if (!withEnd) return { ...head, levels };
  const end = stack[stack.length - 1]!;
  return { ...head, levels, end: levelOf(end, found ? undefined : labels[stack.length - 1], hash) };
}

function isEmptyValuesRoot(stack: TrieNode<unknown>[]): boolean {
  return stack.length === 1 && stack[0]!.payload === undefined && (stack[0]!.children?.size ?? 0) === 0;
}

/** The hash a value's subtree has in the state tree, or undefined when the tree could not hold it. */
export function hashValue(value: unknown, hash: HashFn = defaultHash): string | undefined {
  return hashValueWith(value, hash);
}

/**
 * Checks, with no tree at hand, that `value` (null: nothing) is what the state with root `root`
 * holds at `path` in the part the proof names. `hash` is SHA-256 of UTF-8 text as lowercase hex;
 * a browser uses verifyProofBrowser.ts instead, which needs nothing from node.
 * @example verifyProof(header.stateRoot, '/apps/chat/name', 'ann', proof) // true
 */
export function verifyProof(root: string, path: string, value: unknown, proof: StateProof, hash: HashFn = defaultHash): boolean {
  return checkProof(root, path, value, proof, hash);
}
