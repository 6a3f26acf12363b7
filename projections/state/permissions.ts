import type { ApplyContext, OwnerPayload, OwnerRight, StateCore } from './stateCore.ts';
import { walkPattern } from './match.ts';
import { formatPath, parsePath, printable } from './path.ts';
import { refuse, type Refusal } from './outcome.ts';
import { runRule } from './rules/compileRule.ts';
import { viewOf, type RuleValue } from './rules/values.ts';
import { findNode, type TrieNode } from './trie.ts';
import type { Leaf } from './value.ts';

/**
 * Decides a value write at `labels` by the closest write rule on the way from the path up to the
 * root (that rule only, no cascading). Refuses with SUBTREE_RULES when rules sit below the path,
 * RULE_DENIED when no rule covers it or the rule's result is falsy, EVAL_LIMIT when it runs long.
 */
export function checkWrite(
  core: StateCore,
  labels: readonly string[],
  path: string,
  before: TrieNode<Leaf> | undefined,
  newData: RuleValue,
  ctx: ApplyContext,
): Refusal | undefined {
  const walk = walkPattern(core.rules, labels, false);
  if (walk.end?.children !== undefined && walk.end.children.size > 0) {
    return refuse('SUBTREE_RULES', `The write at ${printable(path)} is refused: paths below it have write rules of their own; write below them instead.`);
  }
  const hit = walk.hits[0];
  if (hit === undefined) return refuse('RULE_DENIED', `No write rule covers ${printable(path)}, so nobody may write there.`);
  const rule = core.compiled.get(hit.payload);
  if (rule === undefined) throw new Error(`the rule at ${formatPath(hit.pattern)} was never compiled`);
  const allowed = runRule(
    rule,
    {
      auth: ctx.auth,
      data: viewOf(before),
      newData,
      vars: hit.vars,
      currentTime: ctx.time,
      blockNumber: ctx.height,
      getValue: core.readValue,
      limits: core.limits,
    },
    path,
  );
  if (allowed === true) return undefined;
  if (allowed !== false) return allowed;
  return refuse(
    'RULE_DENIED',
    `The write rule at ${printable(formatPath(hit.pattern))} does not allow ${ctx.auth.addr ?? 'an unsigned op'} to write ${printable(path)}.`,
  );
}

/** `getValue` for the rules of a state: a path that is not valid reads as null. */
export function valueReader(core: Pick<StateCore, 'values' | 'limits'>): (path: string) => RuleValue {
  return (path) => {
    const labels = parsePath(path, core.limits);
    return Array.isArray(labels) ? viewOf(findNode(core.values, labels)) : null;
  };
}

/** The closest owner config at or above a concrete path, and how deep it sits. */
export function closestOwner(core: StateCore, labels: readonly string[]): { config: OwnerPayload; depth: number } | undefined {
  let node = core.owners;
  let found = node.payload === undefined ? undefined : { config: node.payload, depth: 0 };
  for (let i = 0; i < labels.length; i++) {
    const next = node.children?.get(labels[i]!);
    if (next === undefined) break;
    node = next;
    if (node.payload !== undefined) found = { config: node.payload, depth: i + 1 };
  }
  return found;
}

/** Whether an owner config gives `addr` a right: its own entry wins over `*`, even granting nothing. */
export function grants(config: OwnerPayload, addr: string | null, right: OwnerRight): boolean {
  const entry =
    (addr !== null && Object.hasOwn(config.owners, addr) ? config.owners[addr] : undefined) ??
    (Object.hasOwn(config.owners, '*') ? config.owners['*'] : undefined);
  return entry?.[right] === true;
}

const rightWords: Record<OwnerRight, string> = {
  write_rule: 'the rule',
  write_owner: 'the owner config',
  write_function: 'the functions',
  branch_owner: 'owners below an owner config',
};

/**
 * Checks an owner right for a path. Rule and function paths may hold `$variables`; owner configs
 * sit on concrete labels only, so the closest config at or above the first variable decides.
 */
export function checkOwner(core: StateCore, labels: readonly string[], path: string, right: OwnerRight, ctx: ApplyContext): Refusal | undefined {
  const concrete = labels.findIndex((l) => l.charCodeAt(0) === 36);
  const found = closestOwner(core, concrete === -1 ? labels : labels.slice(0, concrete));
  if (found !== undefined && grants(found.config, ctx.auth.addr, right)) return undefined;
  const where =
    found === undefined
      ? 'no owner config covers it'
      : `the owner config at ${printable(formatPath(labels.slice(0, found.depth)))} does not give ${ctx.auth.addr ?? 'an unsigned op'} ${right}`;
  return refuse('OWNER_DENIED', `Changing ${rightWords[right]} at ${printable(path)} is refused: ${where}.`);
}
