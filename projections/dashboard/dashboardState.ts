import { AinError, type JobDashboard, type LatencyStats, type NodeDashboard } from '../../schemas/index.ts';
import { percentileOf } from './windows.ts';

// A job's and a node's figures are the `dashboard` stream's shapes (schemas/streams/dashboard.ts).
export type { JobDashboard, LatencyStats, NodeDashboard } from '../../schemas/index.ts';

export interface DashboardState {
  version: 1;
  throughputWindowMs: number;
  latencySamplesMax: number;
  settlementTimesMax: number;
  /** Block time of the latest event folded: the dashboard's "now". */
  timeMs: number | null;
  jobs: Record<string, JobDashboard>;
  nodes: Record<string, NodeDashboard>;
}

export interface DashboardOptions {
  /** The window throughput is measured over, in block time. Default 60 000. */
  throughputWindowMs?: number;
  /** Latencies kept for percentiles, per job. Default 1000. */
  latencySamplesMax?: number;
  /** Distinct settlement block times kept per job for throughput. Default 4096. */
  settlementTimesMax?: number;
}

/**
 * An empty dashboard. The state is plain JSON, so a snapshot is the state itself.
 * @example const dashboard = applyDashboardEvents(createDashboard(), events)
 */
export function createDashboard(options: DashboardOptions = {}): DashboardState {
  const throughputWindowMs = options.throughputWindowMs ?? 60_000;
  const latencySamplesMax = options.latencySamplesMax ?? 1000;
  const settlementTimesMax = options.settlementTimesMax ?? 4096;
  for (const [name, value] of Object.entries({ throughputWindowMs, latencySamplesMax, settlementTimesMax })) {
    if (!Number.isSafeInteger(value) || value < 1) throw new AinError('BAD_CONFIG', `The dashboard's ${name} must be a whole number ≥ 1, not ${value}.`);
  }
  return { version: 1, throughputWindowMs, latencySamplesMax, settlementTimesMax, timeMs: null, jobs: {}, nodes: {} };
}

/**
 * A deep copy of the dashboard as plain JSON, to write out and `loadDashboard` later.
 * @example writeFileSync(path, JSON.stringify(snapshotDashboard(dashboard)))
 */
export function snapshotDashboard(state: DashboardState): DashboardState {
  return JSON.parse(JSON.stringify(state)) as DashboardState;
}

/**
 * Reads a snapshot back (a deep copy). Checks the envelope (version, limits, one object per job and
 * node); throws AinError BAD_SNAPSHOT otherwise.
 * @example const dashboard = loadDashboard(JSON.parse(text))
 */
export function loadDashboard(snapshot: unknown): DashboardState {
  const bad = (why: string): AinError => new AinError('BAD_SNAPSHOT', `The dashboard snapshot ${why}; write it again with snapshotDashboard.`);
  if (!isObject(snapshot)) throw bad('is not an object');
  if (snapshot['version'] !== 1) throw bad(`has version ${String(snapshot['version'])}, not 1`);
  for (const limit of ['throughputWindowMs', 'latencySamplesMax', 'settlementTimesMax']) {
    if (!Number.isSafeInteger(snapshot[limit])) throw bad(`lacks its ${limit}`);
  }
  if (snapshot['timeMs'] !== null && typeof snapshot['timeMs'] !== 'number') throw bad('has a malformed timeMs');
  const { jobs, nodes } = snapshot;
  if (!isObject(jobs) || !isObject(nodes)) throw bad('lacks its jobs or nodes');
  for (const [job, entry] of Object.entries(jobs)) {
    const whole = isObject(entry) && [entry['latency'], entry['members'], entry['open'], entry['busy']].every(isObject) && Array.isArray(entry['settlements']);
    if (!whole) throw bad(`has a malformed job ${job}`);
  }
  const state = snapshotDashboard(snapshot as unknown as DashboardState);
  for (const job of Object.values(state.jobs)) job.latency = withP95(job.latency);
  return state;
}

/**
 * Snapshots written before p95 was kept lack it: it is the same function of the kept samples as
 * the fold's, and the fields keep the fold's order, so a resumed fold writes the same JSON.
 */
function withP95(latency: LatencyStats): LatencyStats {
  if (latency.p95Ms !== undefined) return latency;
  const { count, sumMs, minMs, maxMs, p50Ms, p99Ms, samplesMs } = latency;
  const p95Ms = percentileOf(
    [...samplesMs].sort((a, b) => a - b),
    95,
  );
  return { count, sumMs, minMs, maxMs, p50Ms, p95Ms, p99Ms, samplesMs };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
