import { byLabel, groupSize, innerGroupText, leafGroupText, nibble, payloadText, smallNodeText, wideNodeText, type HashFn } from './hashText.ts';
import { buildRoot, slotHashes } from './wideIndex.ts';

/**
 * Checking a state proof with no tree at hand. This file and its imports use nothing from node,
 * so a browser can run it with its own SHA-256 (verifyProofBrowser.ts); proof.ts builds proofs.
 */

/** A child's label and hash. */
export type ProofEntry = readonly [label: string, hash: string];

/** Which of the four tries under the state root a proof goes into. */
export type ProofKind = 'values' | 'rules' | 'owners' | 'functions';
export const proofKinds: readonly ProofKind[] = ['values', 'rules', 'owners', 'functions'];

/**
 * One node of a proof. A small node (≤ 16 children) lists its other children in `siblings`. A wide
 * node gives `groups`, the 16 slot hashes of each group on the way to the label (that slot null),
 * and in `siblings` the other children of the last group (none when the way ends at an empty slot).
 */
export interface ProofLevel {
  /** The node's payload, when it has one (rule, owner and function nodes may on the way). */
  readonly payload?: unknown;
  readonly siblings: readonly ProofEntry[];
  readonly groups?: readonly (readonly (string | null)[])[];
}

/**
 * A Merkle proof against a state root. `levels` run from the path's parent up to the root node. A
 * proof of a value (kind `values`) hashes the value itself; a proof of absence, or of a rule, owner
 * config or function set, adds `end`: the deepest node that exists on the way, with what is needed
 * to hash it (and, when it is above the path, to see that the next label is not there).
 */
export interface StateProof {
  readonly path: string;
  readonly kind?: ProofKind;
  readonly levels: readonly ProofLevel[];
  readonly end?: ProofLevel;
}

/** The hash of a node with these children, small or wide, from their labels and hashes. */
export function childrenHash(payload: string, entries: ProofEntry[], hash: HashFn): string {
  entries.sort(byLabel);
  const labels = entries.map((e) => e[0]);
  if (entries.length <= groupSize)
    return hash(
      smallNodeText(
        payload,
        labels,
        entries.map((e) => e[1]),
      ),
    );
  const byLabelHash = new Map(entries);
  return hash(
    wideNodeText(
      payload,
      slotHashes(buildRoot(labels, hash), (l) => byLabelHash.get(l)!, hash),
    ),
  );
}

/** The hash a value's subtree has in the state tree, or undefined when the tree could not hold it. */
export function hashValueWith(value: unknown, hash: HashFn): string | undefined {
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
    return hash('[' + payloadText(value) + ']');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries: [string, string][] = [];
  for (const label of Object.keys(value)) {
    const h = hashValueWith((value as Record<string, unknown>)[label], hash);
    if (h === undefined) return undefined;
    entries.push([label, h]);
  }
  return entries.length === 0 ? undefined : childrenHash('null', entries, hash);
}

const hex64 = /^[0-9a-f]{64}$/;

function validEntries(entries: unknown): entries is ProofEntry[] {
  return (
    Array.isArray(entries) &&
    entries.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string' && hex64.test(e[1]))
  );
}

function validRow(row: unknown): row is (string | null)[] {
  return Array.isArray(row) && row.length === 16 && row.every((s) => s === null || (typeof s === 'string' && hex64.test(s)));
}

/**
 * A proof node's hash. `label` is the path's label at this node (undefined: the node is the proof's
 * end at the path itself); `childHash` is its hash (undefined: the label must be absent here).
 */
function levelHash(level: ProofLevel, payload: unknown, label: string | undefined, childHash: string | undefined, hash: HashFn): string | undefined {
  if (level === null || typeof level !== 'object' || !validEntries(level.siblings)) return undefined;
  const entries: [string, string][] = level.siblings.map((e) => [e[0], e[1]]);
  if (label !== undefined && entries.some((e) => e[0] === label)) return undefined;
  const groups = level.groups;
  if (groups === undefined) {
    if (label !== undefined && childHash !== undefined) entries.push([label, childHash]);
    entries.sort(byLabel);
    if (entries.length > groupSize || entries.some((e, i) => i > 0 && entries[i - 1]![0] === e[0])) return undefined;
    return hash(
      smallNodeText(
        payloadText(payload),
        entries.map((e) => e[0]),
        entries.map((e) => e[1]),
      ),
    );
  }
  if (!Array.isArray(groups) || groups.length < 1 || groups.length > 64 || !groups.every(validRow)) return undefined;
  if (label === undefined) return groups.length === 1 && entries.length === 0 ? hash(wideNodeText(payloadText(payload), groups[0]!)) : undefined;
  const key = hash(label);
  if (childHash !== undefined) entries.push([label, childHash]);
  entries.sort(byLabel);
  if (entries.length > groupSize || entries.some((e, i) => i > 0 && entries[i - 1]![0] === e[0])) return undefined;
  let h: string | null =
    entries.length === 0
      ? null
      : hash(
          leafGroupText(
            entries.map((e) => e[0]),
            entries.map((e) => e[1]),
          ),
        );
  for (let depth = groups.length - 1; depth >= 1; depth--) {
    const row = [...groups[depth]!];
    row[nibble(key, depth)] = h;
    h = hash(innerGroupText(row));
  }
  const top = [...groups[0]!];
  top[nibble(key, 0)] = h;
  return hash(wideNodeText(payloadText(payload), top));
}

function splitPath(path: string): string[] | undefined {
  if (typeof path !== 'string' || !path.startsWith('/')) return undefined;
  if (path === '/') return [];
  const labels = path.slice(1).split('/');
  return labels.some((l) => l.length === 0) ? undefined : labels;
}

/** The hash at the bottom of the proof and how many labels deep it sits, or undefined. */
function bottom(
  proof: StateProof,
  kind: ProofKind,
  full: readonly string[],
  value: unknown,
  hash: HashFn,
): { h: string | undefined; depth: number } | undefined {
  const present = value !== null && value !== undefined;
  if (kind === 'values' && present) {
    if (proof.end !== undefined || proof.levels.length !== full.length) return undefined;
    return { h: hashValueWith(value, hash), depth: full.length };
  }
  const end = proof.end;
  const depth = proof.levels.length;
  if (end === undefined || end === null || typeof end !== 'object' || depth < 1 || depth > full.length) return undefined;
  const endPayload = end.payload ?? null;
  if (depth === full.length) {
    // The node at the path itself: its payload is the claimed one. A values node there is non-empty
    // unless it is the empty root, so it proves a value, not an absence.
    if (kind === 'values' && (depth > 1 || endPayload !== null || end.siblings.length > 0 || end.groups !== undefined)) return undefined;
    if (kind !== 'values' && typeof value !== 'object' && value !== null && value !== undefined) return undefined;
    return { h: levelHash(end, present ? value : null, undefined, undefined, hash), depth };
  }
  if (present) return undefined;
  if (kind === 'values' && endPayload !== null && typeof endPayload === 'object') return undefined;
  return { h: levelHash(end, endPayload, full[depth], undefined, hash), depth };
}

/**
 * Checks, with no tree at hand, that the state with root `root` holds `value` at `path` (null:
 * nothing) in the part the proof names (`values` unless it says `rules`, `owners` or `functions`,
 * whose values are what `getRule`, `getOwner` and `getFunctions` return). `hash` is SHA-256 of UTF-8
 * text as lowercase hex.
 * @example checkProof(header.stateRoot, '/apps/chat/name', 'ann', proof, sha256Hex) // true
 */
export function checkProof(root: string, path: string, value: unknown, proof: StateProof, hash: HashFn): boolean {
  try {
    const labels = splitPath(path);
    if (labels === undefined || proof === null || typeof proof !== 'object' || proof.path !== path || !Array.isArray(proof.levels)) return false;
    const kind = proof.kind ?? 'values';
    if (!proofKinds.includes(kind)) return false;
    const full = [kind, ...labels];
    const start = bottom(proof, kind, full, value, hash);
    if (start === undefined) return false;
    let { h, depth } = start;
    for (const level of proof.levels) {
      if (h === undefined) return false;
      depth--;
      h = levelHash(level, level?.payload ?? null, full[depth], h, hash);
    }
    return h !== undefined && h === root;
  } catch {
    return false;
  }
}
