import type { StateTree } from '../../projections/index.ts';
import type { Persisted } from '../job/index.ts';
import type { ReportedHeader, ShardContext, ShardState } from './shardMachine.ts';

export type PersistedShard = Persisted<ShardState, ShardContext>;

/**
 * Where the parent keeps its shards in the state tree, so the state root, proofs, snapshots and
 * audits cover them:
 * - `/shards/<path>`: the shard's machine, as the JSON text of `{ state, context }` (a leaf);
 * - `/consensus/shards/<genesis>/<child height>`: the last `shardHeadersKept` reported headers,
 *   keyed by the child's genesis hash, which no other branch of the path shares;
 * - `/consensus/shardDeadlines/<time>/<genesis>`: the path of a shard that stalls at that block time.
 *
 * The records under `/shards` never nest: a branch overlapping a live shard is refused and one
 * overlapping an ended shard removes its record. So the first record on the way down a path is
 * the only one covering it.
 */
export const shardPaths = {
  root: ['shards'],
  record: (labels: readonly string[]) => ['shards', ...labels],
  headers: (genesis: string) => ['consensus', 'shards', genesis],
  header: (genesis: string, height: number) => ['consensus', 'shards', genesis, String(height)],
  deadlines: ['consensus', 'shardDeadlines'],
  deadline: (time: number, genesis: string) => ['consensus', 'shardDeadlines', String(time), genesis],
} as const;

/** Child heights whose reported headers the parent keeps, to tell a second report of one from a fork. */
export const shardHeadersKept = 256;

/** The labels of a shard path (`/apps/x` → `['apps', 'x']`); the path passed the op's schema. */
export const labelsOfShard = (path: string): string[] => path.slice(1).split('/');

const pathOf = (labels: readonly string[]): string => `/${labels.join('/')}`;

export function readShardAt(tree: StateTree, labels: readonly string[]): PersistedShard | null {
  const text = tree.leafAt(shardPaths.record(labels));
  return typeof text === 'string' ? (JSON.parse(text) as PersistedShard) : null;
}

/** The shard branched at exactly `path` (live or ended), or null. */
export function readShard(tree: StateTree, path: string): PersistedShard | null {
  return path === '/' ? null : readShardAt(tree, labelsOfShard(path));
}

export function writeShard(tree: StateTree, shard: PersistedShard): void {
  tree.writeSystemAt(shardPaths.record(labelsOfShard(shard.context.path)), JSON.stringify(shard));
}

/**
 * The shard recorded at `labels` or above it (the first on the way down), or null. Cheap when
 * the chain has no shards: one lookup.
 */
export function shardCovering(tree: StateTree, labels: readonly string[]): PersistedShard | null {
  for (let depth = 1; depth <= labels.length; depth++) {
    const at = shardPaths.record(labels.slice(0, depth));
    if (!tree.hasAt(at)) return null;
    if (tree.leafAt(at) !== undefined) return readShardAt(tree, labels.slice(0, depth));
  }
  return null;
}

/**
 * The shards recorded strictly below `labels`, in label order (depth first, labels sorted), at
 * most `max` of them; with `after` (labels), only those that come after it in that order.
 */
export function shardsBelow(tree: StateTree, labels: readonly string[], max: number, after?: readonly string[]): PersistedShard[] {
  const found: PersistedShard[] = [];
  // `bound`: what is left of `after` while the walk is on its way; undefined once past it.
  const visit = (at: readonly string[], bound: readonly string[] | undefined) => {
    for (const label of tree.keys(pathOf(shardPaths.record(at))).sort()) {
      if (found.length >= max) return;
      if (bound !== undefined && bound.length > 0 && label < bound[0]!) continue;
      const within = bound !== undefined && bound.length > 0 && label === bound[0] ? bound.slice(1) : undefined;
      const child = [...at, label];
      const shard = readShardAt(tree, child);
      if (shard === null) visit(child, within?.length === 0 ? undefined : within);
      else if (within === undefined) found.push(shard);
    }
  };
  const at = shardPaths.record(labels);
  if (tree.hasAt(at) && tree.leafAt(at) === undefined) visit(labels, after);
  return found;
}

/** Every shard branched from this chain (live or ended), by path in label order, at most `max`, after the path `after`. */
export function listShards(tree: StateTree, max: number, after?: string): PersistedShard[] {
  return shardsBelow(tree, [], max, after === undefined || after === '/' ? undefined : labelsOfShard(after));
}

/** The reported header of a child height the parent still keeps, or null. */
export function readReportedHeader(tree: StateTree, genesis: string, height: number): ReportedHeader | null {
  const stored = tree.getAt(shardPaths.header(genesis, height)) as Omit<ReportedHeader, 'height'> | null;
  return stored === null ? null : { height, ...stored };
}

/** Keeps a reported header, and lets go of the one `shardHeadersKept` heights below it. */
export function keepReportedHeader(tree: StateTree, genesis: string, header: ReportedHeader): void {
  const { height, hash, proposal, stateRoot, time } = header;
  tree.writeSystemAt(shardPaths.header(genesis, height), { hash, proposal, stateRoot, time });
  if (height > shardHeadersKept) tree.writeSystemAt(shardPaths.header(genesis, height - shardHeadersKept), null);
}

/** Moves a shard's stall deadline in the index the fold scans at every block. */
export function moveShardDeadline(tree: StateTree, shard: ShardContext, from: number | null, to: number | null): void {
  if (from === to) return;
  if (from !== null) tree.writeSystemAt(shardPaths.deadline(from, shard.genesis), null);
  if (to !== null) tree.writeSystemAt(shardPaths.deadline(to, shard.genesis), shard.path);
}

/** Shards whose deadline is at or before `time`, oldest first (ties by genesis hash): the order every node uses. */
export function dueShards(tree: StateTree, time: number): { time: number; genesis: string; path: string }[] {
  const due: { time: number; genesis: string; path: string }[] = [];
  const times = tree
    .keys(pathOf(shardPaths.deadlines))
    .map(Number)
    .filter((at) => at <= time)
    .sort((a, b) => a - b);
  for (const at of times) {
    for (const genesis of tree.keys(pathOf([...shardPaths.deadlines, String(at)])).sort()) {
      due.push({ time: at, genesis, path: tree.leafAt(shardPaths.deadline(at, genesis)) as string });
    }
  }
  return due;
}
