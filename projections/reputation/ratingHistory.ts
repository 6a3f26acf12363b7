import { AinError } from '../../schemas/index.ts';

/** A node's Elo rating in one job after one block. */
export interface RatingPoint {
  readonly height: number;
  /** The block's time, ms. */
  readonly time: number;
  readonly job: string;
  readonly rating: number;
  readonly games: number;
}

/**
 * Each node's recent ratings, oldest first: a point per block that changed its rating or games in
 * a job (or first named it there). Bounded twice: `pointsMax` per node, and `nodesMax` nodes, the
 * one changed longest ago forgotten first.
 */
export interface RatingHistory {
  readonly pointsMax: number;
  readonly nodesMax: number;
  /** In the order the nodes last changed, the latest last. */
  readonly nodes: Map<string, RatingPoint[]>;
}

export interface RatingHistoryOptions {
  /** Points kept per node. Default 500. */
  readonly pointsMax?: number;
  /** Nodes kept. Default 10 000. */
  readonly nodesMax?: number;
}

/** What of a block's reputation entries the history reads. */
export interface RatedEntry {
  readonly job: string;
  readonly node: string;
  readonly rating: number;
  readonly games: number;
}

/**
 * An empty history.
 * @example const history = createRatingHistory({ pointsMax: 200 })
 */
export function createRatingHistory({ pointsMax = 500, nodesMax = 10_000 }: RatingHistoryOptions = {}): RatingHistory {
  for (const [name, value] of Object.entries({ pointsMax, nodesMax })) {
    if (!Number.isSafeInteger(value) || value < 1) throw new AinError('BAD_CONFIG', `The rating history's ${name} must be a whole number ≥ 1, not ${value}.`);
  }
  return { pointsMax, nodesMax, nodes: new Map() };
}

/**
 * Folds one block's reputation entries (the chain's read-model change of the block) into the
 * history, in place. Pure and deterministic: the same blocks in the same order give the same
 * history; time is the block's.
 * @example applyRatingHistory(history, view.header.height, view.header.time, change.reputation)
 */
export function applyRatingHistory(history: RatingHistory, height: number, time: number, entries: readonly RatedEntry[]): RatingHistory {
  for (const { job, node, rating, games } of entries) {
    const points = history.nodes.get(node) ?? [];
    const last = points.findLast((p) => p.job === job);
    if (last !== undefined && last.rating === rating && last.games === games) continue;
    if (last !== undefined && last.height === height) points.splice(points.lastIndexOf(last), 1);
    points.push({ height, time, job, rating, games });
    if (points.length > history.pointsMax) points.splice(0, points.length - history.pointsMax);
    history.nodes.delete(node);
    history.nodes.set(node, points);
    if (history.nodes.size > history.nodesMax) history.nodes.delete(history.nodes.keys().next().value!);
  }
  return history;
}

/**
 * A node's points, oldest first: all its jobs', or one job's; the last `limit` of them.
 * @example ratingHistoryOf(history, address, { job }).at(-1)?.rating
 */
export function ratingHistoryOf(history: RatingHistory, node: string, { job, limit }: { job?: string; limit?: number } = {}): RatingPoint[] {
  const points = (history.nodes.get(node) ?? []).filter((p) => job === undefined || p.job === job);
  return limit === undefined ? points : points.slice(-limit);
}
