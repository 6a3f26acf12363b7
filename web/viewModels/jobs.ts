import type { DashboardEvent, JobDashboardView } from '../../schemas/index.ts';

/** A job's state as `GET /v1/jobs` names it: open requests, else staffed, else not. */
export type JobState = 'open' | 'ready' | 'unstaffed';

/** One row of the jobs table (and the overview's per-job figures). */
export interface JobRow {
  readonly id: string;
  readonly admin: string | null;
  readonly registeredAt: number | null;
  readonly state: JobState;
  /** The paper's stats line: "3 evaluators, 100 workers running". */
  readonly stats: string;
  readonly dashboard: JobDashboardView | null;
}

export interface JobsState {
  readonly height: number;
  /** By id. */
  readonly jobs: Readonly<Record<string, JobRow>>;
}

/** A job as `GET /v1/jobs` lists it. */
export interface JobSummary {
  readonly id: string;
  readonly admin: string | null;
  readonly registeredAt: number | null;
  readonly stats?: string;
  readonly dashboard: JobDashboardView | null;
}

export type JobsEvent =
  { readonly type: 'snapshot'; readonly height: number; readonly jobs: readonly JobSummary[] } | { readonly type: 'dashboard'; readonly data: DashboardEvent };

export const initialJobs: JobsState = { height: 0, jobs: {} };

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** The state `GET /v1/jobs` gives a job with these figures. */
export function jobStateOf(board: JobDashboardView | null): JobState {
  if (board === null) return 'unstaffed';
  if (board.openRequests > 0) return 'open';
  return board.evaluators > 0 && board.workers > 0 ? 'ready' : 'unstaffed';
}

const rowOf = (summary: JobSummary): JobRow => ({
  id: summary.id,
  admin: summary.admin,
  registeredAt: summary.registeredAt,
  dashboard: summary.dashboard,
  state: jobStateOf(summary.dashboard),
  stats: `${plural(summary.dashboard?.evaluators ?? 0, 'evaluator')}, ${plural(summary.dashboard?.workers ?? 0, 'worker')} running`,
});

/**
 * The jobs table from `GET /v1/jobs` and the `dashboard` stream: a snapshot replaces the rows, a
 * dashboard event updates the jobs its block changed (and adds those the page had not seen). An
 * event older than the snapshot is left out: the snapshot already holds it.
 * @example applyJobs(initialJobs, { type: 'snapshot', height: 3, jobs }).jobs[id].state // 'ready'
 */
export function applyJobs(state: JobsState, event: JobsEvent): JobsState {
  if (event.type === 'snapshot') return { height: event.height, jobs: Object.fromEntries(event.jobs.map((job) => [job.id, rowOf(job)])) };
  const { height, jobs } = event.data;
  if (height <= state.height) return state;
  const next: Record<string, JobRow> = { ...state.jobs };
  for (const [id, dashboard] of Object.entries(jobs)) {
    const known = next[id];
    next[id] = rowOf({ id, admin: known?.admin ?? dashboard.admin, registeredAt: known?.registeredAt ?? null, dashboard });
  }
  return { height, jobs: next };
}

/** The rows in a state (all when `state` is absent), by id. */
export function jobRows(state: JobsState, filter?: JobState): JobRow[] {
  return Object.values(state.jobs)
    .filter((row) => filter === undefined || row.state === filter)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Rewards paid over every job, a decimal string of whole AIN (bigint sums, no floats for money). */
export function rewardsPaidTotal(state: JobsState): string {
  return Object.values(state.jobs)
    .reduce((sum, row) => sum + BigInt(row.dashboard?.rewardsPaid ?? '0'), 0n)
    .toString();
}
