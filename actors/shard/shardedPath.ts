import { refuse, type Refusal, type StateOp, type StateTree } from '../../projections/index.ts';
import { short } from './shardOpContext.ts';
import { labelsOfShard, shardCovering, shardsBelow, type PersistedShard } from './shardStore.ts';

const valueWrites: ReadonlySet<string> = new Set(['set_value', 'inc_value', 'dec_value']);

/**
 * Why a state op may not run on this chain because a shard keeps its path, or undefined: any
 * state op at or under a live shard's path, and a value write above one (it would replace the
 * shard's subtree) are `SHARDED_PATH`, with a sentence naming the shard. Rules, owners and
 * functions above a shard stay the parent's. One lookup when the chain has no shards.
 */
export function shardedPathProblem(tree: StateTree, op: StateOp): Refusal | undefined {
  if (!tree.hasAt(['shards'])) return undefined;
  const ops = op.type === 'set' ? op.ops : [op];
  for (const one of ops) {
    const path = (one as { path?: unknown }).path;
    if (typeof path !== 'string') continue;
    const labels = path === '/' ? [] : labelsOfShard(path);
    const covering = shardCovering(tree, labels);
    if (covering !== null && covering.state !== 'ended') return sharded(covering, `${path} is kept by the shard ${covering.context.path}`);
    if (valueWrites.has(one.type)) {
      const below = shardsBelow(tree, labels, Number.MAX_SAFE_INTEGER).find((s) => s.state !== 'ended');
      if (below !== undefined) return sharded(below, `A value written at ${path} would replace the shard ${below.context.path} below it`);
    }
  }
  return undefined;
}

function sharded(shard: PersistedShard, what: string): Refusal {
  const { context } = shard;
  return refuse(
    'SHARDED_PATH',
    `${what} (genesis ${short(context.genesis)}, reported up to child block ${context.last.height}); write there on that shard's own chain (shard "${context.path}"), or write below another path.`,
  );
}
