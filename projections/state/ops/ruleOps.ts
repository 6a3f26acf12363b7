import type { OpOf } from '../../../schemas/index.ts';
import type { ApplyContext, OwnerRight, RulePayload, StateCore } from '../stateCore.ts';
import { ok, refuse, type Outcome, type Refusal } from '../outcome.ts';
import { isRefusal, parsePath, printable } from '../path.ts';
import { checkOwner } from '../permissions.ts';
import { compileRule, isCompiledRule } from '../rules/compileRule.ts';
import { findNode, prune, reach, setPayload, type TrieNode } from '../trie.ts';

/**
 * Checks a rule or function path: `$variables` once each, and at most one variable per level so
 * that matching stays unambiguous.
 */
export function checkPattern(root: TrieNode<unknown>, labels: readonly string[], path: string): Refusal | undefined {
  const seen = new Set<string>();
  let node: TrieNode<unknown> | undefined = root;
  for (const label of labels) {
    if (label.charCodeAt(0) === 36) {
      if (seen.has(label)) return refuse('INVALID_PATH', `The path ${printable(path)} binds ${label} twice.`);
      seen.add(label);
      if (node?.variable !== undefined && node.variable !== label) {
        return refuse('INVALID_PATH', `The path ${printable(path)} uses ${label} where ${node.variable} is already the variable at that level.`);
      }
    }
    node = node?.children?.get(label);
  }
  return undefined;
}

/**
 * The checks every write to a pattern tree (rules, functions) starts with: the path parses as a
 * pattern, its variables are sound, and the signer holds `right` there. The labels, or the refusal.
 */
export function checkPatternWrite(core: StateCore, root: TrieNode<unknown>, path: string, right: OwnerRight, ctx: ApplyContext): string[] | Refusal {
  const labels = parsePath(path, core.limits, 'pattern');
  if (isRefusal(labels)) return labels;
  return checkPattern(root, labels, path) ?? checkOwner(core, labels, path, right, ctx) ?? labels;
}

/** Puts a payload at a pattern path (undefined removes it and prunes what is left empty). */
export function putPayload<P>(core: StateCore, root: TrieNode<P>, labels: readonly string[], payload: P | undefined): void {
  if (payload === undefined) {
    const node = findNode(root, labels);
    if (node === undefined || node.payload === undefined) return;
    reach(root, labels, false, core.undo);
    setPayload(node, undefined, core.undo);
    prune(root, labels, core.undo);
  } else {
    setPayload(reach(root, labels, false, core.undo), payload, core.undo);
  }
}

/**
 * `set_rule`: sets (or with null removes) the write rule at a path pattern, for holders of
 * `write_rule`. The rule is parsed now: a rule that does not parse is INVALID_RULE.
 */
export function applySetRule(core: StateCore, op: OpOf<'set_rule'>, ctx: ApplyContext): Outcome {
  const labels = checkPatternWrite(core, core.rules, op.path, 'write_rule', ctx);
  if (isRefusal(labels)) return labels;
  if (op.value === null) {
    putPayload<RulePayload>(core, core.rules, labels, undefined);
    return ok;
  }
  const write = (op.value as { write?: unknown }).write;
  if (typeof write !== 'string' && typeof write !== 'boolean')
    return refuse('INVALID_RULE', `The rule for ${printable(op.path)} must be { write: <expression or boolean> }.`);
  const compiled = compileRule(write, new Set(labels.filter((l) => l.charCodeAt(0) === 36)), core.limits, printable(op.path));
  if (!isCompiledRule(compiled)) return compiled;
  const payload: RulePayload = { write };
  core.compiled.set(payload, compiled);
  putPayload(core, core.rules, labels, payload);
  return ok;
}
