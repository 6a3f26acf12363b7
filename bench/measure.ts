import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One benchmark figure, as printed and as written to results.json. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The single runs the value is the median of. */
  readonly samples?: readonly number[];
  /** A short word on how it was measured, printed under the table. */
  readonly note?: string;
}

/** What one timed run counted. */
export interface Run {
  readonly count: number;
  readonly elapsedMs: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function ratePerSecond({ count, elapsedMs }: Run): number {
  if (!(elapsedMs > 0)) throw new Error(`a run took ${elapsedMs} ms`);
  return (count * 1000) / elapsedMs;
}

/** Runs `runOnce` (which returns a rate) `warmupRuns` times unrecorded, then `runs` times: the median. */
export async function medianRate(
  { runs, warmupRuns }: { runs: number; warmupRuns: number },
  runOnce: () => Promise<number>,
): Promise<{ rate: number; samples: number[] }> {
  for (let i = 0; i < warmupRuns; i++) await runOnce();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await runOnce());
  return { rate: median(samples), samples };
}

/** A fresh directory under the OS temp dir for `use`, removed afterwards whatever happens. */
export async function withTempDir<T>(prefix: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `ain-bench-${prefix}-`));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rounds a rate for printing and for results.json: whole units, or 3 decimals for ratios and times per call. */
export function roundFigure(value: number, unit: string): number {
  // A figure without a unit (an example's error, loss or win rate): four significant digits.
  if (unit === '') return Number(value.toPrecision(4));
  return unit === 'x' || unit === 'ms/call' ? Math.round(value * 1000) / 1000 : Math.round(value);
}

/** The p-th percentile (nearest rank) of values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The sustained ingest rate of the last node benchmark (results.json), else a modest default: the pace the latency benches load a node at. */
export async function sustainedRate(): Promise<number> {
  try {
    const results = JSON.parse(await readFile(new URL('./results.json', import.meta.url), 'utf8')) as Record<string, { value: number }>;
    return results['node.sustained']?.value ?? 5000;
  } catch {
    return 5000;
  }
}
