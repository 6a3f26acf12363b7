import type { StateCore } from '../stateCore.ts';
import { findNode, put, reach, setPayload } from '../trie.ts';
import { buildValue, isRefusalValue, type StateValue } from '../value.ts';
import { formatPath } from '../path.ts';

/**
 * A write by the ledger itself (balances, nonces, consensus records under reserved paths): no
 * rule, owner or trigger applies, and it is never inside a user's `set`. Throws on a value the
 * tree cannot hold, since the ledger writing one is a bug, not an outcome.
 */
export function writeSystemValue(core: StateCore, labels: readonly string[], value: StateValue | null, path?: string): void {
  if (core.undo !== undefined) throw new Error('a system write inside a set');
  if (value !== null && typeof value !== 'object') {
    const before = findNode(core.values, labels);
    if (before !== undefined && before.children === undefined) {
      // A leaf over a leaf: changed in place, as user writes do.
      setPayload(reach(core.values, labels, true, undefined), value, undefined);
      return;
    }
  }
  const at = path ?? formatPath(labels);
  const built = buildValue(value, labels.length, at, core.limits);
  if (isRefusalValue(built)) throw new Error(`the ledger wrote a value the state tree refuses at ${at}: ${built.message}`);
  put(core.values, labels, built, true, undefined);
}

/** The labels of the children of the value at `labels` (none for a leaf or nothing). */
export function childLabels(core: StateCore, labels: readonly string[]): string[] {
  const node = findNode(core.values, labels);
  return node?.children === undefined ? [] : [...node.children.keys()];
}
