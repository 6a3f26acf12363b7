import type { OpOf } from '../../../schemas/index.ts';
import type { ApplyContext, StateCore } from '../stateCore.ts';
import { ok, refuse, type Outcome } from '../outcome.ts';
import { isRefusal, parsePath, printable } from '../path.ts';
import { checkWrite } from '../permissions.ts';
import { recordReadConcern } from '../readConcern.ts';
import { viewOf } from '../rules/values.ts';
import { findNode, newNode, put, reach, setPayload } from '../trie.ts';
import { planTriggers, recordTriggers } from '../triggers.ts';
import { buildValue, isRefusalValue, type Leaf, type ValueNode } from '../value.ts';

/**
 * `set_value`: writes a value (null or an empty object deletes) if the closest write rule allows it.
 * @example applySetValue(core, { type: 'set_value', path: '/apps/chat/0xab…/name', value: 'ann' }, ctx)
 */
export function applySetValue(core: StateCore, op: OpOf<'set_value'>, ctx: ApplyContext, readConcern?: number): Outcome {
  const labels = parsePath(op.path, core.limits);
  if (isRefusal(labels)) return labels;
  const built = buildValue(op.value, labels.length, op.path, core.limits);
  if (isRefusalValue(built)) return built;
  const before = findNode(core.values, labels);
  const denied = checkWrite(core, labels, op.path, before, viewOf(built), ctx);
  if (denied !== undefined) return denied;
  const fired = planTriggers(core, labels, op.path, before, built, ctx);
  if (!Array.isArray(fired)) return fired;
  if (built !== undefined && built.children === undefined && before !== undefined && before.children === undefined) {
    // A leaf over a leaf: change it in place, so the tree keeps its node and no old one is left for the GC.
    setPayload(reach(core.values, labels, true, core.undo), built.payload, core.undo);
  } else {
    put(core.values, labels, built, true, core.undo);
  }
  recordReadConcern(core, labels, op.read_concern ?? readConcern, ctx.height);
  recordTriggers(core, fired);
  return ok;
}

/** `inc_value` and `dec_value`: adds to a number (a missing value counts as 0). */
export function applyIncValue(core: StateCore, op: OpOf<'inc_value'> | OpOf<'dec_value'>, ctx: ApplyContext, readConcern?: number): Outcome {
  const labels = parsePath(op.path, core.limits);
  if (isRefusal(labels)) return labels;
  if (typeof op.value !== 'number' || !Number.isFinite(op.value)) {
    return refuse('INVALID_VALUE', `The amount to ${op.type === 'inc_value' ? 'add to' : 'take from'} ${printable(op.path)} must be a finite number.`);
  }
  const node = findNode(core.values, labels);
  const current = node === undefined ? 0 : node.payload;
  if (typeof current !== 'number') {
    return refuse(
      'NOT_A_NUMBER',
      `The value at ${printable(op.path)} is ${describe(node)}, not a number, so it cannot be ${op.type === 'inc_value' ? 'increased' : 'decreased'}.`,
    );
  }
  const result = op.type === 'inc_value' ? current + op.value : current - op.value;
  if (!Number.isFinite(result)) return refuse('TOO_LARGE', `The value at ${printable(op.path)} would leave the range of finite numbers.`);
  const denied = checkWrite(core, labels, op.path, node, result, ctx);
  if (denied !== undefined) return denied;
  const fired = planTriggers(core, labels, op.path, node, newNode<Leaf>(result), ctx);
  if (!Array.isArray(fired)) return fired;
  setPayload(reach(core.values, labels, true, core.undo), result, core.undo);
  recordReadConcern(core, labels, op.read_concern ?? readConcern, ctx.height);
  recordTriggers(core, fired);
  return ok;
}

function describe(node: ValueNode | undefined): string {
  if (node === undefined || node.payload === undefined) return 'an object';
  return `the ${typeof node.payload} ${printable(String(node.payload))}`;
}
