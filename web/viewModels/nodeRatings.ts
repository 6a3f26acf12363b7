import type { NodeReputation, ReputationEvent } from '../../schemas/index.ts';

/** A node's Elo in one job after one block (`GET /v1/reputation/<address>/history`). */
export interface RatingPoint {
  readonly height: number;
  readonly time: number;
  readonly job: string;
  readonly rating: number;
  readonly games: number;
}

/** One node's page: its reputation per job and its Elo over time. */
export interface NodeRatingsState {
  readonly node: string;
  readonly height: number;
  /** By job. */
  readonly jobs: Readonly<Record<string, NodeReputation>>;
  /** Ascending by height, `nodePointsMax` at most. */
  readonly points: readonly RatingPoint[];
}

export type NodeRatingsEvent =
  /** `GET /v1/reputation/<address>`: its entries as of `height`. */
  | { readonly type: 'node'; readonly height: number; readonly jobs: readonly (NodeReputation & { readonly job: string })[] }
  /** `GET /v1/reputation/<address>/history`: the points the node keeps. */
  | { readonly type: 'history'; readonly points: readonly RatingPoint[] }
  /** `reputation/<address>` stream: the entries a block changed (other nodes' are left out). */
  | { readonly type: 'reputation'; readonly data: ReputationEvent };

/** Points the chart holds. */
export const nodePointsMax = 2000;

export const initialNodeRatings = (node: string): NodeRatingsState => ({ node, height: 0, jobs: {}, points: [] });

/** Adds a point unless the job's last one at or before its height says the same; one point per (job, height). */
function withPoint(points: readonly RatingPoint[], point: RatingPoint): readonly RatingPoint[] {
  const kept = points.filter((p) => !(p.job === point.job && p.height === point.height));
  const before = kept.findLast((p) => p.job === point.job && p.height < point.height);
  if (before !== undefined && before.rating === point.rating && before.games === point.games) return kept;
  const at = kept.findIndex((p) => p.height > point.height);
  const next = at < 0 ? [...kept, point] : [...kept.slice(0, at), point, ...kept.slice(at)];
  return next.slice(-nodePointsMax);
}

/**
 * A node's page from its REST reputation and history and its `reputation/<address>` stream: each
 * stream entry replaces the job's row and adds a point when it moved the rating or games, so the
 * chart grows live; a block replayed after a reconnect adds nothing twice.
 * @example applyNodeRatings(initialNodeRatings(a), { type: 'history', points }).points.length
 */
export function applyNodeRatings(state: NodeRatingsState, event: NodeRatingsEvent): NodeRatingsState {
  switch (event.type) {
    case 'node':
      return { ...state, height: Math.max(state.height, event.height), jobs: Object.fromEntries(event.jobs.map(({ job, ...rest }) => [job, rest])) };
    case 'history':
      return { ...state, points: event.points.reduce(withPoint, state.points) };
    case 'reputation': {
      const { height, entries } = event.data;
      const jobs: Record<string, NodeReputation> = { ...state.jobs };
      let points = state.points;
      for (const { job, node, ...rest } of entries) {
        if (node !== state.node) continue;
        jobs[job] = rest;
        // The stream's entries carry no block time: the chart's x axis is the height.
        points = withPoint(points, { height, time: 0, job, rating: rest.rating, games: rest.games });
      }
      return { ...state, height: Math.max(state.height, height), jobs, points };
    }
  }
}

/**
 * The chart's data as uPlot takes it: the heights, then one series per job (ascending id), each
 * the job's rating at that height, carried forward from its last point (null before its first).
 * @example const [heights, ...ratings] = eloSeries(state).data
 */
export function eloSeries(state: NodeRatingsState): { readonly jobs: readonly string[]; readonly data: [number[], ...(number | null)[][]] } {
  const jobs = [...new Set(state.points.map((p) => p.job))].sort();
  const heights = [...new Set(state.points.map((p) => p.height))].sort((a, b) => a - b);
  const series = jobs.map((job) => {
    const mine = state.points.filter((p) => p.job === job);
    let i = 0;
    let last: number | null = null;
    return heights.map((h) => {
      while (i < mine.length && mine[i]!.height <= h) last = mine[i++]!.rating;
      return last;
    });
  });
  return { jobs, data: [heights, ...series] };
}
