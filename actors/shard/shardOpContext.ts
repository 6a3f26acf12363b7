import type { Outcome, StateTree } from '../../projections/index.ts';
import type { ShardEvent } from '../../schemas/index.ts';
import { stepMachine } from '../job/index.ts';
import { shardMachine, type ShardMachineEvent } from './shardMachine.ts';
import { moveShardDeadline, writeShard, type PersistedShard } from './shardStore.ts';

/** What a shard op is folded with: the tree, the signer, the tx and the parent block. */
export interface ShardOpContext {
  readonly tree: StateTree;
  readonly from: string;
  /** Hash of the tx (a branch's is in its child's genesis). */
  readonly hash: string;
  readonly time: number;
  readonly height: number;
  /** The chain id: the parent's, which its children keep. */
  readonly chain: string;
}

export interface ShardOpResult {
  readonly outcome: Outcome;
  readonly events?: readonly ShardEvent[];
}

/** A hash cut short for a sentence. */
export const short = (hash: string): string => `${hash.slice(0, 16)}…`;

/**
 * Steps a shard's machine, stores it and keeps its stall deadline indexed. Throws when the
 * machine does not take the event: the fold checks the state first, so that is a bug.
 */
export function stepShard(tree: StateTree, before: PersistedShard, event: ShardMachineEvent): PersistedShard {
  const after = stepMachine(shardMachine, before, event) as PersistedShard | null;
  if (after === null) throw new Error(`shard ${before.context.path} in state ${before.state} does not take ${event.type}: a fold's check is missing`);
  writeShard(tree, after);
  moveShardDeadline(tree, after.context, before.context.deadline, after.context.deadline);
  return after;
}
