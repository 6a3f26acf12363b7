import type { StateLimits } from './limits.ts';
import { labelProblem, printable } from './path.ts';
import { refuse, type Refusal } from './outcome.ts';
import { newNode, type TrieNode } from './trie.ts';

/** A leaf of the values tree: JSON without null (null deletes), objects or arrays. */
export type Leaf = string | number | boolean;
export type ValueNode = TrieNode<Leaf>;

/** A JSON value as the state tree holds it: leaves and non-empty objects, no arrays. */
export type StateValue = Leaf | { readonly [label: string]: StateValue };

interface Budget {
  nodes: number;
  readonly path: string;
  readonly limits: StateLimits;
}

/**
 * Checks a value to write at a path `depth` labels deep and builds its nodes in one pass:
 * null and empty objects vanish (undefined), arrays, non-finite numbers and bad labels are refused.
 * @example buildValue({ a: 1, b: null }, 2, '/x/y', limits) // node with one child `a`
 */
export function buildValue(value: unknown, depth: number, path: string, limits: StateLimits): ValueNode | undefined | Refusal {
  const budget: Budget = { nodes: 0, path, limits };
  try {
    return build(value, depth, budget);
  } catch (error) {
    if (error instanceof ValueRefused) return error.refusal;
    throw error;
  }
}

class ValueRefused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

function fail(code: Refusal['code'], message: string): never {
  throw new ValueRefused(refuse(code, message));
}

function build(value: unknown, depth: number, budget: Budget): ValueNode | undefined {
  const { limits, path } = budget;
  if (++budget.nodes > limits.valueNodesMax) fail('TOO_LARGE', `The value for ${printable(path)} has more than ${limits.valueNodesMax} nodes.`);
  switch (typeof value) {
    case 'boolean':
      return newNode<Leaf>(value);
    case 'number':
      if (!Number.isFinite(value)) fail('INVALID_VALUE', `The value for ${printable(path)} holds a number that is not finite.`);
      return newNode<Leaf>(value);
    case 'string':
      if (value.length > limits.stringCharsMax)
        fail('TOO_LARGE', `The value for ${printable(path)} holds a string longer than ${limits.stringCharsMax} characters.`);
      return newNode<Leaf>(value);
    case 'object':
      return value === null ? undefined : buildObject(value, depth, budget);
    default:
      return fail('INVALID_VALUE', `The value for ${printable(path)} holds a ${typeof value}; only strings, numbers, booleans, null and objects are allowed.`);
  }
}

function buildObject(value: object, depth: number, budget: Budget): ValueNode | undefined {
  const { limits, path } = budget;
  if (Array.isArray(value)) fail('INVALID_VALUE', `The value for ${printable(path)} holds an array; write an object keyed by id instead.`);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) fail('INVALID_VALUE', `The value for ${printable(path)} holds an object that is not plain JSON.`);
  const labels = Object.keys(value);
  if (labels.length === 0) return undefined;
  if (depth + 1 > limits.depthMax) fail('TOO_DEEP', `The value for ${printable(path)} nests deeper than ${limits.depthMax} labels from the root.`);
  let children: Map<string, ValueNode> | undefined;
  for (const label of labels) {
    const problem = labelProblem(label, limits);
    if (problem !== undefined) fail('INVALID_VALUE', `The value for ${printable(path)} has ${problem}.`);
    const child = build((value as Record<string, unknown>)[label], depth + 1, budget);
    if (child === undefined) continue;
    (children ??= new Map()).set(label, child);
  }
  if (children === undefined) return undefined;
  const node = newNode<Leaf>();
  node.children = children;
  return node;
}

/** The JSON value of a node (null when there is none); objects come out with sorted keys. */
export function toJson(node: ValueNode | undefined): StateValue | null {
  if (node === undefined) return null;
  if (node.payload !== undefined) return node.payload;
  if (node.children === undefined || node.children.size === 0) return null;
  const out: Record<string, StateValue> = {};
  for (const label of [...node.children.keys()].sort()) {
    const child = toJson(node.children.get(label));
    if (child !== null) out[label] = child;
  }
  return out;
}

export function isRefusalValue(x: ValueNode | undefined | Refusal): x is Refusal {
  return x !== undefined && 'code' in x;
}
