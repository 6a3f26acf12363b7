import type { TrieNode } from '../trie.ts';
import type { Leaf } from '../value.ts';

/**
 * A subtree as a rule sees it: read lazily, one child at a time, so `data` or `getValue('/')` on a
 * million keys costs nothing until a rule looks inside, and never copies the tree.
 */
export class TreeView {
  constructor(readonly node: TrieNode<Leaf>) {}
}

/** What a rule computes with: JSON primitives, undefined, the `auth` record and tree views. */
export type RuleValue = string | number | boolean | null | undefined | TreeView | AuthRecord;
export interface AuthRecord {
  readonly addr: string | null;
}

/** A node as a rule value: its leaf, a view of its children, or null when there is none. */
export function viewOf(node: TrieNode<Leaf> | undefined): RuleValue {
  if (node === undefined) return null;
  if (node.payload !== undefined) return node.payload;
  if (node.children === undefined || node.children.size === 0) return null;
  return new TreeView(node);
}

export function isObject(v: RuleValue): v is TreeView | AuthRecord {
  return typeof v === 'object' && v !== null;
}

export function typeOf(v: RuleValue): string {
  return isObject(v) || v === null ? 'object' : typeof v;
}

export function truthy(v: RuleValue): boolean {
  if (isObject(v)) return true;
  return Boolean(v);
}

/** JavaScript's ToNumber, over these values only (objects become NaN, as "[object Object]" does). */
export function toNumber(v: RuleValue): number {
  if (isObject(v) || v === undefined) return NaN;
  if (v === null) return 0;
  return Number(v);
}

/** JavaScript's ToString, without ever calling a method found on a value. */
export function toText(v: RuleValue): string {
  if (isObject(v)) return '[object Object]';
  return String(v);
}

/** Property `key` of a value: own children of tree views and auth, `length` of strings; else undefined. */
export function memberOf(o: RuleValue, key: string): RuleValue {
  if (o instanceof TreeView) return o.node.children === undefined ? undefined : viewOrUndefined(o.node.children.get(key));
  if (isObject(o)) return key === 'addr' ? o.addr : undefined;
  if (typeof o === 'string') return key === 'length' ? o.length : undefined;
  if (o === null || o === undefined) return undefined;
  return undefined;
}

function viewOrUndefined(node: TrieNode<Leaf> | undefined): RuleValue {
  return node === undefined ? undefined : viewOf(node);
}

/** `===`: primitives by value, views by the node they show. */
export function strictEquals(a: RuleValue, b: RuleValue): boolean {
  if (a instanceof TreeView && b instanceof TreeView) return a.node === b.node;
  return a === b;
}

/** `==` as JavaScript defines it, over these values. */
export function looseEquals(a: RuleValue, b: RuleValue): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (typeof a === typeof b || (isObject(a) && isObject(b))) return strictEquals(a, b);
  if (typeof a === 'boolean') return looseEquals(toNumber(a), b);
  if (typeof b === 'boolean') return looseEquals(a, toNumber(b));
  if (isObject(a)) return looseEquals(toText(a), b);
  if (isObject(b)) return looseEquals(a, toText(b));
  return toNumber(a) === toNumber(b);
}
