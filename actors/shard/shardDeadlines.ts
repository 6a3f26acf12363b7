import type { StateTree } from '../../projections/index.ts';
import type { ShardEvent } from '../../schemas/index.ts';
import { stepShard } from './shardOpContext.ts';
import { dueShards, readShard, shardPaths } from './shardStore.ts';

/**
 * Sends `deadline` to every shard whose report period passed at block time `time` without a
 * report, oldest first: they are `stalled` until a report comes. Runs at the start of each block,
 * before its txs, so a report in the same block comes too late.
 */
export function applyShardDeadlines(tree: StateTree, time: number, height: number): ShardEvent[] {
  const events: ShardEvent[] = [];
  for (const due of dueShards(tree, time)) {
    const shard = readShard(tree, due.path);
    if (shard === null || shard.context.genesis !== due.genesis || shard.context.deadline !== due.time) {
      tree.writeSystemAt(shardPaths.deadline(due.time, due.genesis), null); // stale: a bug elsewhere, but never fatal to the chain
      continue;
    }
    const after = stepShard(tree, shard, { type: 'deadline', time });
    events.push({ type: 'stalled', shard: after.context.path, childHeight: after.context.last.height, height, time });
  }
  return events;
}
