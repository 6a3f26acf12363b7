import type { JobDashboard } from '../dashboard/index.ts';

/** A job's dashboard without its bounded internals (samples, members, open requests): what the API and streams show. */
export type JobDashboardView = Omit<JobDashboard, 'members' | 'open' | 'busy' | 'settlements' | 'latency'> & {
  latency: Omit<JobDashboard['latency'], 'samplesMs'>;
};

export function jobDashboardView(job: JobDashboard): JobDashboardView {
  const { members: _m, open: _o, busy: _b, settlements: _s, latency, ...rest } = job;
  const { samplesMs: _samples, ...stats } = latency;
  return { ...rest, latency: stats };
}
