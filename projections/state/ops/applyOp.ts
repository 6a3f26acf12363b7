import type { OpOf, StateOp, TreeOp } from '../../../schemas/index.ts';
import type { ApplyContext, StateCore } from '../stateCore.ts';
import { ok, refuse, type Outcome } from '../outcome.ts';
import { applySetFunction } from './functionOps.ts';
import { applySetOwner } from './ownerOps.ts';
import { applySetRule } from './ruleOps.ts';
import { applyIncValue, applySetValue } from './valueOps.ts';

export type { StateOp } from '../../../schemas/index.ts';

const setOpsMax = 256;

function applyOne(core: StateCore, op: TreeOp, ctx: ApplyContext, readConcern: number | undefined): Outcome {
  switch (op?.type) {
    case 'set_value':
      return applySetValue(core, op, ctx, readConcern);
    case 'inc_value':
    case 'dec_value':
      return applyIncValue(core, op, ctx, readConcern);
    case 'set_rule':
      return applySetRule(core, op, ctx);
    case 'set_owner':
      return applySetOwner(core, op, ctx);
    case 'set_function':
      return applySetFunction(core, op, ctx);
    default:
      return refuse('BAD_SCHEMA', `The state tree does not apply an op of type ${JSON.stringify(String((op as { type?: unknown })?.type))}.`);
  }
}

/**
 * `set`: the listed ops in order, each seeing the ones before it; if one is refused, everything the
 * earlier ones did is undone (from the undo log, not from a copy) and the refusal names the op.
 */
function applySet(core: StateCore, op: OpOf<'set'>, ctx: ApplyContext): Outcome {
  if (!Array.isArray(op.ops) || op.ops.length === 0 || op.ops.length > setOpsMax) {
    return refuse('BAD_SCHEMA', `A set holds 1 to ${setOpsMax} ops.`);
  }
  if (core.undo !== undefined) throw new Error('a set inside a set');
  const undo: (() => void)[] = [];
  core.undo = undo;
  try {
    for (let i = 0; i < op.ops.length; i++) {
      const outcome = applyOne(core, op.ops[i]!, ctx, op.read_concern);
      if (outcome.code === 'ok') continue;
      for (let j = undo.length - 1; j >= 0; j--) undo[j]!();
      return refuse(outcome.code, `Op ${i + 1} of ${op.ops.length} in the set was refused, so none applied: ${outcome.message}`);
    }
    return ok;
  } finally {
    core.undo = undefined;
  }
}

/**
 * Applies one state op to the tree in place and says how it went. A refused op changes nothing.
 * The op is expected to have passed the wire schema (the tx boundary checks it); the checks that
 * guard the tree (paths, values, rules, owners) are all made here again.
 */
export function applyStateOp(core: StateCore, op: StateOp, ctx: ApplyContext): Outcome {
  if (op?.type === 'set') return applySet(core, op, ctx);
  return applyOne(core, op, ctx, undefined);
}
