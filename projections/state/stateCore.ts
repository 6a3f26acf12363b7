import type { Address, FiredTrigger, FunctionsPayload, OwnerPayload, RulePayload } from '../../schemas/index.ts';
import type { StateLimits } from './limits.ts';
import type { CompiledRule } from './rules/compileRule.ts';
import type { RuleValue } from './rules/values.ts';
import type { TrieNode, UndoLog } from './trie.ts';
import type { Leaf } from './value.ts';

/** Who signed, and the block the op is in: the only outside facts an op may use. */
export interface ApplyContext {
  readonly auth: { readonly addr: Address | null };
  /** Block time, ms since the epoch. */
  readonly time: number;
  readonly height: number;
}

// The payloads the tries keep are the ops' own shapes (schemas/ops/stateOps.ts).
export type { FunctionSpec, FunctionsPayload, OwnerPayload, OwnerRight, OwnerRights, RulePayload } from '../../schemas/index.ts';

// A fired trigger is the `triggers` stream's shape (schemas/streams/streamEvents.ts).
export type { FiredTrigger } from '../../schemas/index.ts';

export interface ReadConcernEntry {
  /** Block confirmations the writer recommends before reading. */
  readonly n: number;
  /** Height of the block that wrote the path. */
  readonly height: number;
}

/** The state the ops work on: four tries under one root, plus what is not hashed. */
export interface StateCore {
  readonly limits: StateLimits;
  readonly values: TrieNode<Leaf>;
  readonly rules: TrieNode<RulePayload>;
  readonly owners: TrieNode<OwnerPayload>;
  readonly functions: TrieNode<FunctionsPayload>;
  /** Rules parsed once, when set (or loaded). */
  readonly compiled: WeakMap<RulePayload, CompiledRule>;
  /** Read concerns by path: not hashed, pruned with the values they describe. */
  readonly readConcerns: TrieNode<ReadConcernEntry>;
  triggers: FiredTrigger[];
  /** `getValue` for rules, made once per state. */
  readonly readValue: (path: string) => RuleValue;
  /** Set while a `set` runs, so a refused sub-op can put everything back. */
  undo: UndoLog | undefined;
}
