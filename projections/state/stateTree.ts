import { AinError, type Address } from '../../schemas/index.ts';
import type { ApplyContext, FiredTrigger, FunctionsPayload, OwnerPayload, OwnerRight, ReadConcernEntry, RulePayload, StateCore } from './stateCore.ts';
import { defaultHash, hashNode, stateRootOf, type HashFn } from './hash.ts';
import { defaultLimits, type StateLimits } from './limits.ts';
import { coreFromParts, type StateParts } from './coreFromParts.ts';
import { applyStateOp, type StateOp } from './ops/applyOp.ts';
import { childLabels, writeSystemValue } from './ops/systemOps.ts';
import type { Outcome, Refusal } from './outcome.ts';
import { checkOwner } from './permissions.ts';
import { formatPath, isRefusal, parsePath, type PathKind } from './path.ts';
import { makeProof, proofKinds, type ProofKind, type StateProof } from './proof.ts';
import { isRecommendedToRead, readConcernAt } from './readConcern.ts';
import { walkPattern } from './match.ts';
import { findNode, walkPayloads, type TrieNode } from './trie.ts';
import { toJson, type Leaf, type StateValue } from './value.ts';
import { pageJson, valueJson, type PageTooLarge, type ValuePage } from './valueJson.ts';

/** A genesis state: its parts, and the genesis key, which owns `/` with every right. */
export interface StateGenesis extends StateParts {
  readonly owner?: Address;
}

/** The whole state at a height, as plain JSON: what `loadStateTree` reads back. */
export interface StateSnapshot extends Required<Omit<StateParts, 'values'>> {
  readonly version: 1;
  readonly height: number;
  /** The state root the loader must arrive at. */
  readonly root: string;
  readonly values: StateValue | null;
}

export interface StateTreeOptions {
  readonly limits?: Partial<StateLimits>;
}

const allRights = { write_rule: true, write_owner: true, write_function: true, branch_owner: true } as const;

/**
 * The state tree: values guarded by write rules, owner configs, functions (triggers), a Merkle root
 * and proofs. Ops change it in place; a refused op changes nothing.
 */
export class StateTree {
  #core: StateCore;
  #height: number;

  constructor(core: StateCore, height: number) {
    this.#core = core;
    this.#height = height;
  }

  /** The height of the latest block an op came from (or of the snapshot loaded). */
  get height(): number {
    return this.#height;
  }

  get limits(): StateLimits {
    return this.#core.limits;
  }

  /**
   * Applies one state op for a signer in a block; returns `ok` or a refusal with a code.
   * @example tree.apply({ type: 'set_value', path: '/apps/a/x', value: 1 }, { auth: { addr }, time, height })
   */
  apply(op: StateOp, ctx: ApplyContext): Outcome {
    if (ctx.height > this.#height) this.#height = ctx.height;
    return applyStateOp(this.#core, op, ctx);
  }

  /**
   * Writes a value for the ledger itself (null deletes): no rules, owners or triggers. Only the
   * ledger's folds call this, for the paths it keeps (balances, nonces, consensus records).
   */
  writeSystem(path: string, value: StateValue | null): void {
    writeSystemValue(this.#core, this.#labels(path, 'value'), value, path);
  }

  /**
   * `writeSystem` at labels the ledger built itself from ids it already validated (hashes,
   * addresses, times): skips parsing and checking a path string on the fold's hottest paths.
   */
  writeSystemAt(labels: readonly string[], value: StateValue | null): void {
    writeSystemValue(this.#core, labels, value);
  }

  /** `get` at labels the ledger built itself (see writeSystemAt). */
  getAt(labels: readonly string[]): StateValue | null {
    return toJson(findNode(this.#core.values, labels));
  }

  /** Whether there is a value at labels the ledger built itself (see writeSystemAt). */
  hasAt(labels: readonly string[]): boolean {
    return findNode(this.#core.values, labels) !== undefined;
  }

  /**
   * The leaf at labels the ledger built itself, or undefined when there is none or the value
   * there is an object: unlike getAt, it never copies a subtree.
   */
  leafAt(labels: readonly string[]): Leaf | undefined {
    const node = findNode(this.#core.values, labels);
    return node === undefined || node.children !== undefined ? undefined : node.payload;
  }

  /**
   * Whether the closest owner config at or above `path` gives `addr` an owner right: undefined
   * when it does, else OWNER_DENIED naming the config (or INVALID_PATH). For the ledger's own ops
   * that an owner right governs, such as branching a shard.
   * @example tree.checkRight('/apps/x', 'branch_owner', from) // undefined: allowed
   */
  checkRight(path: string, right: OwnerRight, addr: Address): Refusal | undefined {
    const labels = parsePath(path, this.#core.limits);
    if (isRefusal(labels)) return labels;
    return checkOwner(this.#core, labels, path, right, { auth: { addr }, time: 0, height: this.#height });
  }

  /** The labels directly below the value at a path (none for a leaf or a missing path). */
  keys(path: string): string[] {
    return childLabels(this.#core, this.#labels(path, 'value'));
  }

  /** The value at a path, null when there is none. Throws INVALID_PATH for a malformed path. */
  get(path: string): StateValue | null {
    return toJson(findNode(this.#core.values, this.#labels(path, 'value')));
  }

  /**
   * The JSON text of the value at a path (`null` when there is none), as `JSON.stringify(get(path))`
   * writes it, or undefined when it is longer than `bytesMax` UTF-8 bytes: the walk stops there.
   * @example tree.getJson('/apps/x', 1 << 20) // '{"a":1}'
   */
  getJson(path: string, bytesMax: number): string | undefined {
    return valueJson(findNode(this.#core.values, this.#labels(path, 'value')), bytesMax);
  }

  /**
   * One page of the value at a path: its keys after `after` in label order, at most `keysMax` of
   * them and `bytesMax` bytes of JSON, with the cursor of the next page (see pageJson).
   * @example tree.getPage('/apps/x', { keysMax: 100, bytesMax: 1 << 20 }) // { json: '{…}', next: 'k099' }
   */
  getPage(path: string, page: { after?: string; keysMax: number; bytesMax: number }): ValuePage | PageTooLarge {
    return pageJson(findNode(this.#core.values, this.#labels(path, 'value')), page);
  }

  /** The write rule set exactly at a path pattern, or null. */
  getRule(path: string): RulePayload | null {
    return findNode(this.#core.rules, this.#labels(path, 'pattern'))?.payload ?? null;
  }

  /** The owner config set exactly at a path, or null. */
  getOwner(path: string): OwnerPayload | null {
    return findNode(this.#core.owners, this.#labels(path, 'value'))?.payload ?? null;
  }

  /** The functions registered exactly at a path pattern, or null. */
  getFunctions(path: string): FunctionsPayload | null {
    return findNode(this.#core.functions, this.#labels(path, 'pattern'))?.payload ?? null;
  }

  /**
   * The function `id` registered at the pattern a concrete `path` matches (`/apps/chat/$room` for
   * `/apps/chat/general`), with that pattern and the `$variables` the path binds; null when none
   * is. What an HTTP invocation of a function looks up (functions above the path do not count).
   */
  functionAt(
    path: string,
    id: string,
  ): { readonly spec: FunctionsPayload[string]; readonly functionPath: string; readonly params: Record<string, string> } | null {
    const labels = this.#labels(path, 'value');
    const { hits, end } = walkPattern(this.#core.functions, labels, true);
    const hit = hits.at(-1);
    if (end?.payload === undefined || hit === undefined || hit.pattern.length !== labels.length || !Object.hasOwn(end.payload, id)) return null;
    return { spec: end.payload[id]!, functionPath: formatPath(hit.pattern), params: Object.fromEntries(hit.vars) };
  }

  /** The read concern last recorded for a path, or null. */
  getReadConcern(path: string): ReadConcernEntry | null {
    return readConcernAt(this.#core.readConcerns, this.#labels(path, 'value')) ?? null;
  }

  /** Whether every write on the path or above it has the confirmations it asked for at `height`. */
  isRecommendedToRead(path: string, height: number = this.#height): boolean {
    return isRecommendedToRead(this.#core.readConcerns, this.#labels(path, 'value'), height);
  }

  /** The state root: rehashes only the nodes writes touched since the last call. */
  root(hash: HashFn = defaultHash): string {
    const c = this.#core;
    return stateRootOf(
      { functions: hashNode(c.functions, hash), owners: hashNode(c.owners, hash), rules: hashNode(c.rules, hash), values: hashNode(c.values, hash) },
      hash,
    );
  }

  /**
   * The Merkle hash of the value at `path` (null when there is none): it changes exactly when the
   * value does, so a follower of one path compares hashes instead of values. Cheap after `root()`.
   */
  valueHash(path: string): string | null {
    const node = findNode(this.#core.values, this.#labels(path, 'value'));
    return node === undefined ? null : hashNode(node);
  }

  /**
   * A proof against `root()` of the value at `path` (or its absence), or with `kind` of the rule,
   * owner config or functions exactly at `path` (what getRule, getOwner, getFunctions return).
   * @example verifyProof(tree.root(), '/apps/x', { write: true }, tree.proof('/apps/x', 'rules'))
   */
  proof(path: string, kind: ProofKind = 'values'): StateProof {
    if (!proofKinds.includes(kind)) throw new AinError('BAD_SCHEMA', `A proof is of values, rules, owners or functions, not ${JSON.stringify(String(kind))}.`);
    return makeProof(this.#core, this.#labels(path, kind === 'rules' || kind === 'functions' ? 'pattern' : 'value'), path, kind);
  }

  /** The triggers fired since the last drain, in the order the writes happened. */
  drainTriggers(): FiredTrigger[] {
    const fired = this.#core.triggers;
    this.#core.triggers = [];
    return fired;
  }

  /** The whole state as plain JSON, with its root. */
  snapshot(): StateSnapshot {
    const c = this.#core;
    const byPath = <P, T>(root: TrieNode<P>, map: (p: P) => T): Record<string, T> => {
      const out: Record<string, T> = {};
      for (const [labels, payload] of walkPayloads(root)) out[formatPath(labels)] = map(payload);
      return out;
    };
    return {
      version: 1,
      height: this.#height,
      root: this.root(),
      values: toJson(c.values),
      rules: byPath(c.rules, (p) => p.write),
      owners: byPath(c.owners, (p) => p),
      functions: byPath(c.functions, (p) => p),
      readConcerns: byPath(c.readConcerns, (p) => p),
    };
  }

  #labels(path: string, kind: PathKind): string[] {
    const labels = parsePath(path, this.#core.limits, kind);
    if (isRefusal(labels)) throw new AinError(labels.code, labels.message);
    return labels;
  }
}

function limitsOf(options: StateTreeOptions): StateLimits {
  return Object.freeze({ ...defaultLimits, ...options.limits });
}

/**
 * A state tree from a genesis: the genesis key owns `/`; the root write rule is `false` unless the
 * genesis sets one. Throws BAD_SNAPSHOT when a genesis part is invalid.
 * @example const tree = createStateTree({ owner: genesisAddress, rules: { '/apps/$app': 'auth.addr !== null' } })
 */
export function createStateTree(genesis: StateGenesis = {}, options: StateTreeOptions = {}): StateTree {
  const owners = genesis.owner === undefined ? genesis.owners : { '/': { owners: { [genesis.owner]: allRights } }, ...genesis.owners };
  const rules = { '/': false, ...genesis.rules };
  return new StateTree(coreFromParts({ ...genesis, owners, rules }, limitsOf(options)), 0);
}

/**
 * Loads a snapshot and checks that its recomputed root is the one it recorded.
 * @example const tree = loadStateTree(JSON.parse(text)) // throws BAD_SNAPSHOT on a mismatch
 */
export function loadStateTree(snapshot: StateSnapshot, options: StateTreeOptions = {}): StateTree {
  if (snapshot === null || typeof snapshot !== 'object' || snapshot.version !== 1 || !Number.isSafeInteger(snapshot.height)) {
    throw new AinError('BAD_SNAPSHOT', 'The snapshot is not a version 1 state snapshot with a height.');
  }
  const tree = new StateTree(coreFromParts(snapshot, limitsOf(options)), snapshot.height);
  const root = tree.root();
  if (root !== snapshot.root) throw new AinError('BAD_SNAPSHOT', `The snapshot records root ${snapshot.root} but its contents hash to ${root}.`);
  return tree;
}
