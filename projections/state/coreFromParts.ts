import { AinError } from '../../schemas/index.ts';
import type { FunctionsPayload, OwnerPayload, ReadConcernEntry, RulePayload, StateCore } from './stateCore.ts';
import type { StateLimits } from './limits.ts';
import { checkFunctionId, functionSpecOf } from './ops/functionOps.ts';
import { ownerPayloadOf } from './ops/ownerOps.ts';
import { checkPattern, putPayload } from './ops/ruleOps.ts';
import type { Refusal } from './outcome.ts';
import { isRefusal, parsePath } from './path.ts';
import { compileRule, isCompiledRule } from './rules/compileRule.ts';
import { findNode, newNode, put } from './trie.ts';
import { buildValue, isRefusalValue, type Leaf, type StateValue } from './value.ts';
import { valueReader } from './permissions.ts';

/** The parts of a state written out as plain JSON: what a genesis file and a snapshot hold. */
export interface StateParts {
  /** The whole values tree (the value at `/`). */
  readonly values?: StateValue | null;
  /** Write rules by path pattern. */
  readonly rules?: Readonly<Record<string, string | boolean>>;
  readonly owners?: Readonly<Record<string, OwnerPayload>>;
  readonly functions?: Readonly<Record<string, FunctionsPayload>>;
  readonly readConcerns?: Readonly<Record<string, ReadConcernEntry>>;
}

export function emptyCore(limits: StateLimits): StateCore {
  const values = newNode<Leaf>();
  return {
    limits,
    values,
    readValue: valueReader({ values, limits }),
    rules: newNode(),
    owners: newNode(),
    functions: newNode(),
    compiled: new WeakMap(),
    readConcerns: newNode(),
    triggers: [],
    undo: undefined,
  };
}

function check<T>(what: string, result: T | Refusal): T {
  if (typeof result === 'object' && result !== null && !Array.isArray(result) && 'message' in result) {
    throw new AinError('BAD_SNAPSHOT', `${what}: ${(result as Refusal).message}`, { details: { code: (result as Refusal).code } });
  }
  return result as T;
}

function entries<T>(record: Readonly<Record<string, T>> | undefined, what: string): [string, T][] {
  if (record === undefined) return [];
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    throw new AinError('BAD_SNAPSHOT', `The ${what} must be an object keyed by path.`);
  return Object.entries(record);
}

/**
 * Builds a state from its parts with the same checks the ops make (paths, values, rule syntax,
 * owner and function shapes), but no permission checks: the parts come from a genesis file or a
 * snapshot, not from a signer. Throws AinError BAD_SNAPSHOT naming the first bad part.
 */
export function coreFromParts(parts: StateParts, limits: StateLimits): StateCore {
  const core = emptyCore(limits);
  if (parts.values !== undefined && parts.values !== null) {
    const built = buildValue(parts.values, 0, '/', { ...limits, valueNodesMax: Number.MAX_SAFE_INTEGER });
    if (isRefusalValue(built)) check('The values', built);
    put(core.values, [], built as never, true, undefined);
  }
  for (const [path, write] of entries(parts.rules, 'rules')) {
    const labels = check(`The rule at ${path}`, parsePath(path, limits, 'pattern'));
    check(`The rule at ${path}`, checkPattern(core.rules, labels, path) ?? labels);
    const compiled = check(`The rule at ${path}`, compileRule(write, new Set(labels.filter((l) => l.startsWith('$'))), limits, path));
    if (!isCompiledRule(compiled)) continue;
    const payload: RulePayload = { write };
    core.compiled.set(payload, compiled);
    putPayload(core, core.rules, labels, payload);
  }
  for (const [path, config] of entries(parts.owners, 'owners')) {
    const labels = check(`The owner config at ${path}`, parsePath(path, limits));
    putPayload(core, core.owners, labels, check(`The owner config at ${path}`, ownerPayloadOf(config, path, limits.ownersPerPathMax)));
  }
  for (const [path, specs] of entries(parts.functions, 'functions')) {
    const labels = check(`The functions at ${path}`, parsePath(path, limits, 'pattern'));
    check(`The functions at ${path}`, checkPattern(core.functions, labels, path) ?? labels);
    const payload: Record<string, ReturnType<typeof functionSpecOf>> = {};
    for (const [id, spec] of entries(specs, `functions at ${path}`)) {
      check(`The functions at ${path}`, checkFunctionId(id, path) ?? id);
      payload[id] = check(`The function ${id} at ${path}`, functionSpecOf(id, spec, path));
    }
    if (Object.keys(payload).length > limits.functionsPerPathMax)
      throw new AinError('BAD_SNAPSHOT', `The functions at ${path} number more than ${limits.functionsPerPathMax}.`);
    if (Object.keys(payload).length > 0) putPayload(core, core.functions, labels, payload as FunctionsPayload);
  }
  for (const [path, entry] of entries(parts.readConcerns, 'read concerns')) {
    const labels = parsePath(path, limits);
    if (isRefusal(labels) || !Number.isSafeInteger(entry?.n) || entry.n < 1 || !Number.isSafeInteger(entry?.height)) {
      throw new AinError('BAD_SNAPSHOT', `The read concern at ${path} must be { n, height } at a valid path.`);
    }
    if (findNode(core.values, labels) === undefined) throw new AinError('BAD_SNAPSHOT', `The read concern at ${path} describes a path that holds no value.`);
    putPayload(core, core.readConcerns, labels, { n: entry.n, height: entry.height });
  }
  return core;
}
