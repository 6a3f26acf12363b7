import type { OpOf } from '../../../schemas/index.ts';
import type { ApplyContext, OwnerPayload, OwnerRights, StateCore } from '../stateCore.ts';
import { ok, refuse, type Outcome, type Refusal } from '../outcome.ts';
import { isRefusal, parsePath, printable } from '../path.ts';
import { checkOwner, closestOwner } from '../permissions.ts';
import { putPayload } from './ruleOps.ts';

const ownerKey = /^(\*|0x[0-9a-f]{40})$/;
const rightNames = ['branch_owner', 'write_function', 'write_owner', 'write_rule'] as const;

/** A fresh owner config from an op's value, or INVALID_VALUE / TOO_LARGE. */
export function ownerPayloadOf(value: unknown, path: string, ownersMax: number): OwnerPayload | Refusal {
  const owners = (value as { owners?: unknown } | null)?.owners;
  if (typeof owners !== 'object' || owners === null || Array.isArray(owners)) {
    return refuse('INVALID_VALUE', `The owner config for ${printable(path)} must be { owners: { <address or "*">: rights } }.`);
  }
  const keys = Object.keys(owners);
  if (keys.length > ownersMax) return refuse('TOO_LARGE', `The owner config for ${printable(path)} has more than ${ownersMax} entries.`);
  const out: Record<string, OwnerRights> = {};
  for (const key of keys) {
    const rights = (owners as Record<string, unknown>)[key] as Record<string, unknown> | null;
    if (!ownerKey.test(key))
      return refuse('INVALID_VALUE', `The owner config for ${printable(path)} names ${printable(key)}, which is neither an address nor "*".`);
    if (typeof rights !== 'object' || rights === null || Object.keys(rights).length !== 4 || !rightNames.every((r) => typeof rights[r] === 'boolean')) {
      return refuse(
        'INVALID_VALUE',
        `The rights of ${key} at ${printable(path)} must be exactly write_rule, write_owner, write_function and branch_owner, each true or false.`,
      );
    }
    out[key] = {
      write_rule: rights.write_rule as boolean,
      write_owner: rights.write_owner as boolean,
      write_function: rights.write_function as boolean,
      branch_owner: rights.branch_owner as boolean,
    };
  }
  return { owners: out };
}

/**
 * `set_owner`: changing the closest owner config needs its `write_owner`; putting a new config
 * below it needs `branch_owner`. Null removes the config at the path.
 */
export function applySetOwner(core: StateCore, op: OpOf<'set_owner'>, ctx: ApplyContext): Outcome {
  const labels = parsePath(op.path, core.limits);
  if (isRefusal(labels)) return labels;
  const closest = closestOwner(core, labels);
  const right = closest !== undefined && closest.depth === labels.length ? 'write_owner' : 'branch_owner';
  if (op.value === null && right === 'branch_owner') return ok;
  const denied = checkOwner(core, labels, op.path, right, ctx);
  if (denied !== undefined) return denied;
  if (op.value === null) {
    putPayload<OwnerPayload>(core, core.owners, labels, undefined);
    return ok;
  }
  const payload = ownerPayloadOf(op.value, op.path, core.limits.ownersPerPathMax);
  if ('code' in payload) return payload;
  putPayload(core, core.owners, labels, payload);
  return ok;
}
