import type { DashboardState, JobDashboard } from './dashboardState.ts';
import { bookPayouts } from './payouts.ts';
import { ownEntry as own, putEntry as put, removeEntry as remove } from '../dict/index.ts';
import type { JobEvent, JobRole } from '../../schemas/index.ts';
import { recordLatency, recordSettlement, refreshPercentiles, refreshThroughput } from './windows.ts';

/**
 * Folds job events, in block order, into the dashboard: per job the queue, counts, nodes,
 * throughput and latency; per node what it earned and lost. Pure and deterministic: the state is
 * changed in place and returned, and folding a stream in one call or in several gives identical
 * JSON. Time is the events' block time; throughput is refreshed for every job at the end.
 * @example const dashboard = applyDashboardEvents(createDashboard(), blockOutcome.jobEvents)
 */
export function applyDashboardEvents(state: DashboardState, events: readonly JobEvent[]): DashboardState {
  const latencyChanged = new Set<JobDashboard>();
  for (const event of events) {
    state.timeMs = state.timeMs === null ? event.time : Math.max(state.timeMs, event.time);
    applyEvent(state, jobOf(state, event.job), event, latencyChanged);
  }
  for (const job of latencyChanged) refreshPercentiles(job.latency);
  for (const job of Object.values(state.jobs)) refreshThroughput(state, job);
  return state;
}

function applyEvent(state: DashboardState, job: JobDashboard, event: JobEvent, latencyChanged: Set<JobDashboard>): void {
  switch (event.type) {
    case 'jobRegistered':
      job.admin = event.admin;
      if (event.binaryVersion !== undefined) job.binaryVersion = event.binaryVersion;
      return setMember(job, event.admin, 'admin', 'approved');
    case 'binariesPublished':
      job.binaryVersion = event.version;
      return;
    case 'reserved':
    case 'reservationAccepted':
    case 'reservationEnded':
    case 'testDataRevealed':
    case 'keyShared':
      // A reservation moves no reward: its requests are counted as requests, their payouts as payouts.
      return;
    case 'nodeApplied':
      return;
    case 'nodeApproved':
      return setMember(job, event.node, event.role, 'approved');
    case 'nodeDropped':
      return setMember(job, event.node, event.role, 'dropped');
    case 'requested':
      job.requests += 1;
      if (own(job.open, event.request) === undefined) {
        put<string[]>(job.open, event.request, []);
        job.openRequests += 1;
      }
      return;
    case 'accepted': {
      const workers = own(job.open, event.request);
      if (event.role !== 'worker' || workers === undefined || workers.includes(event.node)) return;
      workers.push(event.node);
      const busy = own(job.busy, event.node) ?? 0;
      if (busy === 0) job.workersBusy += 1;
      put(job.busy, event.node, busy + 1);
      return;
    }
    case 'submitted':
    case 'ranked':
      return;
    case 'workerRejected': {
      const workers = own(job.open, event.request);
      if (workers === undefined || !workers.includes(event.node)) return;
      workers.splice(workers.indexOf(event.node), 1);
      return release(job, event.node);
    }
    case 'challengeResolved':
      // `?? []`: events recorded before challengeResolved carried its payouts. The challenger paid its fee.
      return bookPayouts(state, job, event.payouts ?? [], event.evaluator, event.challenger);
    case 'blindChallengeResolved':
      // The client paid the reward; the admins whose verdict agreed earned it.
      return bookPayouts(state, job, event.payouts, event.evaluator, event.client);
    case 'challenged':
    case 'blindChallenged':
      job.challenged += 1;
      return;
    case 'challengerPenalized':
    case 'blindVerdict':
      return;
    case 'settled':
      job.settled += 1;
      recordSettlement(state, job, event.time);
      recordLatency(state, job.latency, event.latencyMs);
      latencyChanged.add(job);
      close(job, event.request);
      return bookPayouts(state, job, event.payouts, event.evaluator, event.client);
    case 'refunded':
      job.refunded += 1;
      close(job, event.request);
      return bookPayouts(state, job, event.payouts, event.evaluator, event.client);
    default:
      // A new event type fails to compile here until it is placed; at run time it is skipped.
      event satisfies never;
  }
}

/** A settled or refunded request leaves the queue, and its workers are no longer busy on it. */
function close(job: JobDashboard, request: string): void {
  const workers = own(job.open, request);
  if (workers === undefined) return;
  for (const worker of workers) release(job, worker);
  remove(job.open, request);
  job.openRequests -= 1;
}

/** A worker is done with one request: one fewer it is busy on. */
function release(job: JobDashboard, worker: string): void {
  const busy = (own(job.busy, worker) ?? 1) - 1;
  if (busy > 0) put(job.busy, worker, busy);
  else {
    remove(job.busy, worker);
    job.workersBusy -= 1;
  }
}

/** Moves a node to its latest role and status, keeping the per-role counts in step. */
function setMember(job: JobDashboard, node: string, role: JobRole, status: 'approved' | 'dropped'): void {
  const before = own(job.members, node);
  if (before !== undefined) count(job, before.role, before.status, -1);
  put(job.members, node, { role, status });
  count(job, role, status, 1);
}

function count(job: JobDashboard, role: JobRole, status: 'approved' | 'dropped', by: 1 | -1): void {
  if (status === 'dropped') job.dropped += by;
  else if (role === 'admin') job.admins += by;
  else if (role === 'evaluator') job.evaluators += by;
  else job.workers += by;
}

function jobOf(state: DashboardState, job: string): JobDashboard {
  return (
    own(state.jobs, job) ??
    put<JobDashboard>(state.jobs, job, {
      admin: null,
      requests: 0,
      openRequests: 0,
      settled: 0,
      refunded: 0,
      challenged: 0,
      admins: 0,
      evaluators: 0,
      workers: 0,
      dropped: 0,
      workersBusy: 0,
      throughputPerMinute: 0,
      latency: { count: 0, sumMs: 0, minMs: null, maxMs: null, p50Ms: null, p95Ms: null, p99Ms: null, samplesMs: [] },
      rewardsPaid: '0',
      feesPaid: '0',
      members: {},
      open: {},
      busy: {},
      settlements: [],
    })
  );
}
