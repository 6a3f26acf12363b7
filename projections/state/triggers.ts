import type { ApplyContext, FiredTrigger, FunctionsPayload, StateCore } from './stateCore.ts';
import { walkPattern } from './match.ts';
import { refuse, type Refusal } from './outcome.ts';
import { formatPath, printable } from './path.ts';
import type { TrieNode } from './trie.ts';
import { toJson, type ValueNode } from './value.ts';

type FunctionNode = TrieNode<FunctionsPayload>;

/** What planning may still spend: functions to fire, value nodes to visit, compare and copy. */
interface Budget {
  fired: FiredTrigger[];
  nodesLeft: number;
  readonly core: StateCore;
  readonly path: string;
  readonly ctx: ApplyContext;
}

class OverBudget extends Error {}

function spend(budget: Budget, nodes: number): void {
  budget.nodesLeft -= nodes;
  if (budget.nodesLeft < 0 || budget.fired.length > budget.core.limits.triggersPerOpMax) throw new OverBudget();
}

function fire(
  budget: Budget,
  at: string,
  pattern: readonly string[],
  vars: ReadonlyMap<string, string>,
  payload: FunctionsPayload,
  before: ValueNode | undefined,
  after: ValueNode | undefined,
): void {
  spend(budget, size(before, budget) + size(after, budget));
  const beforeJson = toJson(before);
  const afterJson = toJson(after);
  for (const functionId of Object.keys(payload).sort()) {
    const { ctx } = budget;
    budget.fired.push({
      path: at,
      functionPath: formatPath(pattern),
      params: Object.fromEntries(vars),
      functionId,
      function: payload[functionId]!,
      before: beforeJson,
      after: afterJson,
      auth: ctx.auth.addr,
      height: ctx.height,
      time: ctx.time,
    });
    spend(budget, 0);
  }
}

/** Nodes in a value, counted against the budget as they are counted (so a huge value stops early). */
function size(node: ValueNode | undefined, budget: Budget): number {
  if (node?.children === undefined) return node === undefined ? 0 : 1;
  let n = 1;
  for (const child of node.children.values()) {
    n += size(child, budget);
    if (n > budget.nodesLeft) throw new OverBudget();
  }
  return n;
}

function sameValue(a: ValueNode | undefined, b: ValueNode | undefined, budget: Budget): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.payload !== b.payload) return false;
  spend(budget, 1);
  const ac = a.children;
  const bc = b.children;
  if ((ac?.size ?? 0) !== (bc?.size ?? 0)) return false;
  if (ac === undefined || bc === undefined) return true;
  for (const [label, child] of ac) if (!sameValue(child, bc.get(label), budget)) return false;
  return true;
}

/**
 * Functions registered below the written path: the write changed the value at every path inside
 * the old and the new value, so each function there whose value differs fires, with that path's
 * old and new value. `$variables` range over the labels of either value; an exact label beats the
 * variable, as in matching.
 */
function fireBelow(
  budget: Budget,
  fn: FunctionNode,
  before: ValueNode | undefined,
  after: ValueNode | undefined,
  pattern: string[],
  at: string[],
  vars: Map<string, string>,
): void {
  if (fn.children === undefined || (before === undefined && after === undefined)) return;
  const visit = (fnLabel: string, label: string) => {
    spend(budget, 1);
    const child = fn.children!.get(fnLabel)!;
    const b = before?.children?.get(label);
    const a = after?.children?.get(label);
    pattern.push(fnLabel);
    at.push(label);
    if (fnLabel !== label) vars.set(fnLabel, label);
    if (child.payload !== undefined && !sameValue(b, a, budget)) fire(budget, formatPath(at), pattern, vars, child.payload, b, a);
    fireBelow(budget, child, b, a, pattern, at, vars);
    if (fnLabel !== label) vars.delete(fnLabel);
    pattern.pop();
    at.pop();
  };
  for (const fnLabel of fn.children.keys()) if (fnLabel !== fn.variable) visit(fnLabel, fnLabel);
  if (fn.variable === undefined) return;
  const labels = new Set([...(before?.children?.keys() ?? []), ...(after?.children?.keys() ?? [])]);
  for (const label of [...labels].sort()) if (!fn.children.has(label)) visit(fn.variable, label);
}

/**
 * The functions a value write fires, planned before the write so that a write firing too many is
 * refused whole: every function registered at the written path or above it (with the written
 * path's old and new value), then every function below it whose value the write changed. TOO_LARGE
 * past `triggersPerOpMax` functions or `triggerScanNodesMax` value nodes visited.
 */
export function planTriggers(
  core: StateCore,
  labels: readonly string[],
  path: string,
  before: ValueNode | undefined,
  after: ValueNode | undefined,
  ctx: ApplyContext,
): FiredTrigger[] | Refusal {
  if (core.functions.children === undefined && core.functions.payload === undefined) return [];
  const { hits, end } = walkPattern<FunctionsPayload>(core.functions, labels, true);
  const budget: Budget = { fired: [], nodesLeft: core.limits.triggerScanNodesMax, core, path, ctx };
  try {
    for (const hit of hits) fire(budget, path, hit.pattern, hit.vars, hit.payload, before, after);
    if (end !== undefined) {
      fireBelow(budget, end, before, after, patternOf(core.functions, labels), [...labels], boundVars(core.functions, labels));
    }
    return budget.fired;
  } catch (error) {
    if (!(error instanceof OverBudget)) throw error;
    return refuse(
      'TOO_LARGE',
      `The write at ${printable(path)} would fire more than ${core.limits.triggersPerOpMax} functions or visit more than ${core.limits.triggerScanNodesMax} value nodes to find them; write smaller parts.`,
    );
  }
}

/** The pattern labels the walk to `labels` followed (exact before variable). */
function patternOf(root: FunctionNode, labels: readonly string[]): string[] {
  const out: string[] = [];
  let node: FunctionNode = root;
  for (const label of labels) {
    const exact = node.children?.get(label);
    out.push(exact !== undefined ? label : node.variable!);
    node = exact ?? node.children!.get(node.variable!)!;
  }
  return out;
}

function boundVars(root: FunctionNode, labels: readonly string[]): Map<string, string> {
  const pattern = patternOf(root, labels);
  return new Map(pattern.flatMap((p, i) => (p === labels[i] ? [] : [[p, labels[i]!] as [string, string]])));
}

/** Adds planned triggers once the write is done; a refused `set` takes them back. */
export function recordTriggers(core: StateCore, fired: readonly FiredTrigger[]): void {
  if (fired.length === 0) return;
  const mark = core.triggers.length;
  core.triggers.push(...fired);
  if (core.undo !== undefined)
    core.undo.push(() => {
      core.triggers.length = mark;
    });
}
