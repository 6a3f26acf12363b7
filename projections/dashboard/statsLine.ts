import type { DashboardState } from './dashboardState.ts';
import { ownEntry as own } from '../dict/index.ts';

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/**
 * The console line of the paper's `stats <job>`: approved evaluators and approved workers, dropped
 * ones left out. "Running" means available to the job, as in the paper, which prints the line right
 * after `registerJob`, before any request; workers busy on open requests are `workersBusy`.
 * @example statsLine(dashboard, jobId) // '3 evaluators, 100 workers running'
 */
export function statsLine(state: DashboardState, job: string): string {
  const entry = own(state.jobs, job);
  return `${plural(entry?.evaluators ?? 0, 'evaluator')}, ${plural(entry?.workers ?? 0, 'worker')} running`;
}
