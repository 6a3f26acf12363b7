import { ok, refuse, reservedRoots } from '../../projections/index.ts';
import type { OpOf } from '../../schemas/index.ts';
import { startMachine } from '../job/index.ts';
import { shardMachine, type ShardContext, type ShardState } from './shardMachine.ts';
import { short, stepShard, type ShardOpContext, type ShardOpResult } from './shardOpContext.ts';
import { labelsOfShard, moveShardDeadline, readShard, shardCovering, shardPaths, shardsBelow, writeShard, type PersistedShard } from './shardStore.ts';

/** The child chain's genesis as the branch derives it: its hash and its state root (block 1's lastRoot). */
export interface DerivedGenesis {
  readonly hash: string;
  readonly root: string;
}

const isLive = (shard: PersistedShard) => shard.state !== 'ended';

const ownerDenied = (from: string, what: string) =>
  refuse('OWNER_DENIED', `${from} may not ${what}: the owner config covering the path does not give it branch_owner.`);

/** The live shard a path overlaps (at it, above it or below it), as a refusal naming it. */
function overlapProblem(ctx: ShardOpContext, path: string, labels: readonly string[]): ShardOpResult | null {
  const covering = shardCovering(ctx.tree, labels);
  if (covering !== null && isLive(covering)) {
    const where = covering.context.path === path ? `${path} is already a shard` : `${path} is inside the shard ${covering.context.path}`;
    return {
      outcome: refuse('SHARDED_PATH', `${where} (genesis ${short(covering.context.genesis)}); branch below it on that shard's own chain, or close it first.`),
    };
  }
  const below = shardsBelow(ctx.tree, labels, Number.MAX_SAFE_INTEGER).find(isLive);
  if (below !== undefined) {
    return {
      outcome: refuse(
        'SHARDED_PATH',
        `${path} holds the shard ${below.context.path} (genesis ${short(below.context.genesis)}); a shard cannot take in another: close it first.`,
      ),
    };
  }
  return null;
}

/**
 * `branch`: an owner with `branch_owner` at `path` makes it a shard. The parent records the shard
 * (its machine starts in `branched`) and refuses state ops under `path` from then on; the child's
 * genesis is `derive()`d from the tx alone. Ended shards the new one overlaps lose their records.
 */
export function applyBranch(ctx: ShardOpContext, op: OpOf<'branch'>, derive: () => DerivedGenesis): ShardOpResult {
  const { tree, from, time, height } = ctx;
  const { path } = op;
  if (path === '/')
    return { outcome: refuse('BAD_BRANCH', 'The root / cannot be branched: a shard is a subtree of its parent; name a path below it, e.g. /apps/x.') };
  const labels = labelsOfShard(path);
  if (reservedRoots.includes(labels[0]!)) {
    return { outcome: refuse('BAD_BRANCH', `${path} is under /${labels[0]}, which the ledger keeps; only a path of the state tree's own can be a shard.`) };
  }
  // Its record sits one label deeper, under /shards.
  if (labels.length >= tree.limits.depthMax) {
    return { outcome: refuse('BAD_BRANCH', `${path} has ${labels.length} labels; a shard's path has at most ${tree.limits.depthMax - 1}.`) };
  }
  const denied = tree.checkRight(path, 'branch_owner', from);
  if (denied !== undefined) return { outcome: denied.code === 'OWNER_DENIED' ? ownerDenied(from, `branch ${path}`) : denied };
  const overlap = overlapProblem(ctx, path, labels);
  if (overlap !== null) return overlap;
  // Ended shards this one overlaps: their records go (their deadlines and headers went when they ended).
  const endedAbove = shardCovering(tree, labels);
  if (endedAbove !== null) tree.writeSystemAt(shardPaths.record(labelsOfShard(endedAbove.context.path)), null);
  tree.writeSystemAt(shardPaths.record(labels), null);
  const genesis = derive();
  const shard = startMachine<typeof shardMachine, ShardState, ShardContext>(shardMachine, {
    path,
    chain: ctx.chain,
    tx: ctx.hash,
    owner: from,
    genesis: genesis.hash,
    validators: op.validators,
    rules: op.rules,
    branchedAt: { height, time },
    last: { height: 0, hash: genesis.hash, proposal: '', stateRoot: genesis.root, time: 0 },
  });
  writeShard(tree, shard);
  moveShardDeadline(tree, shard.context, null, shard.context.deadline);
  return {
    outcome: ok,
    events: [{ type: 'branched', shard: path, by: from, tx: ctx.hash, genesis: genesis.hash, validators: [...op.validators], height, time }],
  };
}

/**
 * `closeShard`: an owner with `branch_owner` at the shard's path ends it (from any state, a fork
 * included): the parent takes no more of its reports, forgets its reported headers but the last,
 * and the path is the parent's again.
 */
export function applyCloseShard(ctx: ShardOpContext, op: OpOf<'closeShard'>): ShardOpResult {
  const { tree, from, time, height } = ctx;
  const shard = readShard(tree, op.shard);
  if (shard === null) return { outcome: refuse('UNKNOWN_SHARD', `No shard was branched at ${op.shard}; GET /v1/shards lists them.`) };
  if (shard.state === 'ended') return { outcome: refuse('SHARD_ENDED', `The shard ${op.shard} was closed already (at block time ${shard.context.endedAt}).`) };
  const denied = tree.checkRight(op.shard, 'branch_owner', from);
  if (denied !== undefined) return { outcome: ownerDenied(from, `close the shard ${op.shard}`) };
  stepShard(tree, shard, { type: 'close', time });
  tree.writeSystemAt(shardPaths.headers(shard.context.genesis), null);
  return { outcome: ok, events: [{ type: 'ended', shard: op.shard, by: from, height, time }] };
}
