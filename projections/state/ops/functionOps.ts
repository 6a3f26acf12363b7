import type { OpOf } from '../../../schemas/index.ts';
import type { ApplyContext, FunctionSpec, FunctionsPayload, StateCore } from '../stateCore.ts';
import { ok, refuse, type Outcome, type Refusal } from '../outcome.ts';
import { isRefusal, printable } from '../path.ts';
import { findNode } from '../trie.ts';
import { checkPatternWrite, putPayload } from './ruleOps.ts';

const functionId = /^[A-Za-z0-9_-]{1,64}$/;
const runtimePattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const blobRef = /^blob:\/\/sha256:[0-9a-f]{64}$/;
const address = /^0x[0-9a-f]{40}$/;

/** INVALID_VALUE unless a function id is 1-64 of A-Z, a-z, 0-9, _ or - (ops and snapshots alike). */
export function checkFunctionId(id: string, path: string): Refusal | undefined {
  if (functionId.test(id)) return undefined;
  return refuse('INVALID_VALUE', `The function id ${printable(id)} at ${printable(path)} must be 1-64 of A-Z, a-z, 0-9, _ or -.`);
}

/** A function spec from an op's value, or INVALID_VALUE naming what is wrong. */
export function functionSpecOf(id: string, spec: unknown, path: string): FunctionSpec | Refusal {
  const s = spec as Record<string, unknown> | null;
  const extra = typeof s === 'object' && s !== null ? Object.keys(s).filter((k) => k !== 'runtime' && k !== 'code' && k !== 'owner') : [];
  if (
    typeof s !== 'object' ||
    s === null ||
    extra.length > 0 ||
    typeof s.runtime !== 'string' ||
    !runtimePattern.test(s.runtime) ||
    typeof s.code !== 'string' ||
    !blobRef.test(s.code) ||
    (s.owner !== undefined && (typeof s.owner !== 'string' || !address.test(s.owner)))
  ) {
    return refuse('INVALID_VALUE', `The function ${printable(id)} at ${printable(path)} must be { runtime, code: "blob://sha256:<hex>", owner? }.`);
  }
  return s.owner === undefined ? { runtime: s.runtime, code: s.code } : { runtime: s.runtime, code: s.code, owner: s.owner as FunctionSpec['owner'] };
}

/**
 * `set_function`: adds, replaces or (with null) removes functions by id at a path pattern, for
 * holders of `write_function`. A function that names an owner is registered and changed only by
 * that owner's hand (its worker runs it and signs what it writes).
 */
export function applySetFunction(core: StateCore, op: OpOf<'set_function'>, ctx: ApplyContext): Outcome {
  const labels = checkPatternWrite(core, core.functions, op.path, 'write_function', ctx);
  if (isRefusal(labels)) return labels;
  const existing: FunctionsPayload = findNode(core.functions, labels)?.payload ?? {};
  const changes = op.value === null ? Object.fromEntries(Object.keys(existing).map((id) => [id, null])) : (op.value as Record<string, unknown>);
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes))
    return refuse('INVALID_VALUE', `The functions for ${printable(op.path)} must be { <id>: spec or null }.`);
  const next: Record<string, FunctionSpec> = { ...existing };
  for (const id of Object.keys(changes)) {
    const badId = checkFunctionId(id, op.path);
    if (badId !== undefined) return badId;
    const owner = Object.hasOwn(existing, id) ? existing[id]!.owner : undefined;
    if (owner !== undefined && owner !== ctx.auth.addr)
      return refuse('OWNER_DENIED', `The function ${printable(id)} at ${printable(op.path)} belongs to ${owner}; only it may change the function.`);
    if (changes[id] === null) {
      delete next[id];
      continue;
    }
    const spec = functionSpecOf(id, changes[id], op.path);
    if ('message' in spec) return spec;
    // Its owner's worker runs it and signs what it writes with the owner's key: nobody else may name that key.
    const named = (spec as FunctionSpec).owner;
    if (named !== undefined && named !== ctx.auth.addr)
      return refuse(
        'OWNER_DENIED',
        `The function ${printable(id)} at ${printable(op.path)} names ${named} as its owner, whose worker would run it and sign what it writes; only ${named} may register a function naming itself.`,
      );
    next[id] = spec as FunctionSpec;
  }
  const count = Object.keys(next).length;
  if (count > core.limits.functionsPerPathMax)
    return refuse('TOO_LARGE', `The path ${printable(op.path)} would hold more than ${core.limits.functionsPerPathMax} functions.`);
  putPayload<FunctionsPayload>(core, core.functions, labels, count === 0 ? undefined : next);
  return ok;
}
