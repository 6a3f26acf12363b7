import type { DashboardState, JobDashboard, LatencyStats } from './dashboardState.ts';

/** Ratios are kept to 6 decimals so every machine serialises the same digits (never `-0`). */
const round6 = (value: number): number => Math.round(value * 1e6) / 1e6 + 0;

/**
 * The nearest-rank percentile of ascending samples: the smallest sample at or above `percent` % of
 * them. `null` without samples.
 * @example percentileOf([10, 20, 30, 40], 50) // 20
 */
export function percentileOf(sortedSamples: readonly number[], percent: number): number | null {
  if (sortedSamples.length === 0) return null;
  const rank = Math.max(1, Math.ceil((percent / 100) * sortedSamples.length));
  return sortedSamples[Math.min(rank, sortedSamples.length) - 1]!;
}

/** Counts one settlement's latency; the percentiles wait for `refreshPercentiles`. */
export function recordLatency(state: DashboardState, latency: LatencyStats, latencyMs: number): void {
  latency.count += 1;
  latency.sumMs += latencyMs;
  latency.minMs = latency.minMs === null ? latencyMs : Math.min(latency.minMs, latencyMs);
  latency.maxMs = latency.maxMs === null ? latencyMs : Math.max(latency.maxMs, latencyMs);
  latency.samplesMs.push(latencyMs);
  if (latency.samplesMs.length > state.latencySamplesMax) latency.samplesMs.splice(0, latency.samplesMs.length - state.latencySamplesMax);
}

/** p50, p95 and p99 from the kept samples: a function of the samples only, so chunking cannot change it. */
export function refreshPercentiles(latency: LatencyStats): void {
  const sorted = [...latency.samplesMs].sort((a, b) => a - b);
  latency.p50Ms = percentileOf(sorted, 50);
  latency.p95Ms = percentileOf(sorted, 95);
  latency.p99Ms = percentileOf(sorted, 99);
}

/** Counts one settlement at block time `timeMs` (the latest event's), after dropping stale ones. */
export function recordSettlement(state: DashboardState, job: JobDashboard, timeMs: number): void {
  pruneSettlements(state, job);
  const last = job.settlements.at(-1);
  if (last !== undefined && last[0] === timeMs) last[1] += 1;
  else job.settlements.push([timeMs, 1]);
  if (job.settlements.length > state.settlementTimesMax) job.settlements.splice(0, job.settlements.length - state.settlementTimesMax);
}

/**
 * Drops settlements older than the window before the dashboard's time and recomputes throughput.
 * Dropping is monotone in time, so doing it at every settlement and at the end of every fold gives
 * the same list whichever way a stream is chunked.
 */
export function refreshThroughput(state: DashboardState, job: JobDashboard): void {
  pruneSettlements(state, job);
  const oldestMs = (state.timeMs ?? 0) - state.throughputWindowMs;
  const count = job.settlements.reduce((sum, [timeMs, n]) => (timeMs > oldestMs ? sum + n : sum), 0);
  job.throughputPerMinute = round6((count * 60_000) / state.throughputWindowMs);
}

function pruneSettlements(state: DashboardState, job: JobDashboard): void {
  if (state.timeMs === null) return;
  const oldestMs = state.timeMs - state.throughputWindowMs;
  let stale = 0;
  while (stale < job.settlements.length && job.settlements[stale]![0] <= oldestMs) stale += 1;
  if (stale > 0) job.settlements.splice(0, stale);
}
