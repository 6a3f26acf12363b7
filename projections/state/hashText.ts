import canonicalize from 'canonicalize';

/**
 * The texts the state tree's hashes are taken over, in one place that imports nothing but a
 * pure-JavaScript canonicalizer, so the node prover and a browser verifier cannot drift apart.
 * See "Hashes, proofs and snapshots" in docs/rules.md for the definition.
 */

/**
 * Lowercase hex SHA-256 of the UTF-8 bytes of a string. The node default is node:crypto's; a
 * browser passes @noble/hashes' (see verifyProofBrowser.ts).
 */
export type HashFn = (text: string) => string;

/** Children a node (or a group of a wide node) lists directly; more are split 16 ways. */
export const groupSize = 16;
/** Hex digits of a SHA-256 key: groups never split deeper than this. */
export const keyNibbles = 64;

/**
 * RFC 8785 canonical JSON, through the same `canonicalize` package the wire format uses (pure
 * JavaScript, so the browser verifier can load it too).
 */
export function canonicalText(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error(`a ${typeof value} has no canonical JSON`);
  return text;
}

/** A node's payload as it appears first in its text: `null` for none. */
export function payloadText(payload: unknown): string {
  if (payload === undefined || payload === null) return 'null';
  return typeof payload === 'object' ? canonicalText(payload) : JSON.stringify(payload);
}

/** `"label","hash"` pairs, the listing of a small node or a leaf group (labels already sorted). */
export function pairsText(labels: readonly string[], hashes: readonly string[]): string {
  let text = '';
  for (let i = 0; i < labels.length; i++) text += (i === 0 ? '' : ',') + JSON.stringify(labels[i]) + ',"' + hashes[i] + '"';
  return text;
}

/** A node with at most 16 children: `[payload, label₁, hash₁, …]`. */
export function smallNodeText(payload: string, labels: readonly string[], hashes: readonly string[]): string {
  return labels.length === 0 ? '[' + payload + ']' : '[' + payload + ',' + pairsText(labels, hashes) + ']';
}

function slotsText(slots: readonly (string | null | undefined)[]): string {
  let text = '[';
  for (let i = 0; i < 16; i++) text += (i === 0 ? '' : ',') + (slots[i] == null ? 'null' : '"' + slots[i] + '"');
  return text + ']';
}

/**
 * A node with more than 16 children: `[payload, [s₀, …, s₁₅]]`, sᵢ the hash of the group of children
 * whose SHA-256(label) starts with hex digit i (null if none). An array where a small node has a
 * label keeps the two shapes apart.
 */
export function wideNodeText(payload: string, slots: readonly (string | null | undefined)[]): string {
  return '[' + payload + ',' + slotsText(slots) + ']';
}

/** A group split again by the next hex digit: `[[s₀, …, s₁₅]]`. */
export function innerGroupText(slots: readonly (string | null | undefined)[]): string {
  return '[' + slotsText(slots) + ']';
}

/** A group of at most 16 children (or one 64 digits deep): `[label₁, hash₁, …]`, labels sorted. */
export function leafGroupText(labels: readonly string[], hashes: readonly string[]): string {
  return '[' + pairsText(labels, hashes) + ']';
}

/** Hex digit `depth` of a key, 0-15. */
export function nibble(key: string, depth: number): number {
  const c = key.charCodeAt(depth);
  return c <= 57 ? c - 48 : c - 87;
}

/** Sorts by UTF-16 code units, as RFC 8785 sorts keys (JavaScript's default sort). */
export function byLabel<T extends readonly [string, ...unknown[]]>(a: T, b: T): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
