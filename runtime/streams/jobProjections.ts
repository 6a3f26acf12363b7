import {
  applyDashboardEvents,
  applyReputationEvents,
  createDashboard,
  createReputation,
  loadDashboard,
  loadReputation,
  snapshotDashboard,
  snapshotReputation,
  type DashboardState,
  type JobDashboard,
  type JobEvent,
  type NodeDashboard,
  type ReputationState,
} from '../../projections/index.ts';
import type { JobDashboardView, ReputationEntry } from '../../schemas/index.ts';

/** The projections a node keeps beside its ledger, as they are written into its snapshots. */
export interface JobProjectionsSnapshot {
  readonly reputation: ReputationState;
  readonly dashboard: DashboardState;
}

export type { JobDashboardView } from '../../schemas/index.ts';

export function jobDashboardView(job: JobDashboard): JobDashboardView {
  const { members: _m, open: _o, busy: _b, settlements: _s, latency, ...rest } = job;
  const { samplesMs: _samples, ...stats } = latency;
  return { ...rest, latency: stats };
}

/** What one block changed in the job projections: the (job, node) entries and jobs it touched. */
export interface JobProjectionChange {
  readonly reputation: readonly ReputationEntry[];
  readonly jobs: Readonly<Record<string, JobDashboardView>>;
  readonly nodes: Readonly<Record<string, NodeDashboard>>;
}

/** Every address an event names: they are the reputation and dashboard entries it may change. */
function addressesOf(event: JobEvent): string[] {
  switch (event.type) {
    case 'jobRegistered':
      return [event.admin];
    case 'nodeApplied':
      return [event.node];
    case 'nodeApproved':
      return [event.node, event.parent];
    case 'nodeDropped':
      return [event.node, event.by];
    case 'requested':
      return [event.client];
    case 'accepted':
    case 'submitted':
      return [event.node];
    case 'workerRejected':
      return [event.node, event.client];
    case 'ranked':
      return [event.evaluator, ...event.ranking];
    case 'challenged':
      return [event.client, event.evaluator];
    case 'challengeResolved':
      return [event.client, event.evaluator, event.resolver];
    case 'settled':
    case 'refunded':
      return [event.client, ...(event.evaluator === null ? [] : [event.evaluator]), ...event.payouts.map((p) => p.to), ...('unpaid' in event ? event.unpaid : [])];
  }
}

/**
 * The reputation and dashboard folds a node runs over every block's job events, from genesis or
 * from the projections in its snapshot.
 */
export class JobProjections {
  reputation: ReputationState;
  dashboard: DashboardState;

  /** `options.kFactor`: the genesis's Elo K (`jobs.eloK`); a snapshot keeps the K it was folded with. */
  constructor(snapshot?: JobProjectionsSnapshot, options: { readonly kFactor?: number } = {}) {
    this.reputation = snapshot === undefined ? createReputation(options.kFactor === undefined ? {} : { kFactor: options.kFactor }) : loadReputation(snapshot.reputation);
    this.dashboard = snapshot === undefined ? createDashboard() : loadDashboard(snapshot.dashboard);
  }

  /** Folds one block's events; returns what they changed (empty for a block without job events). */
  apply(events: readonly JobEvent[]): JobProjectionChange | null {
    if (events.length === 0) return null;
    applyReputationEvents(this.reputation, events);
    applyDashboardEvents(this.dashboard, events);
    const touched = new Map<string, Set<string>>();
    for (const event of events) {
      const set = touched.get(event.job) ?? new Set<string>();
      for (const address of addressesOf(event)) set.add(address);
      touched.set(event.job, set);
    }
    const reputation: ReputationEntry[] = [];
    const jobs: Record<string, JobDashboardView> = {};
    const nodes: Record<string, NodeDashboard> = {};
    for (const [job, addresses] of [...touched].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const board = this.dashboard.jobs[job];
      if (board !== undefined) jobs[job] = jobDashboardView(board);
      for (const address of [...addresses].sort()) {
        const entry = this.reputation.jobs[job]?.nodes[address];
        if (entry !== undefined) reputation.push({ job, node: address, ...entry, children: [...entry.children] });
        const node = this.dashboard.nodes[address];
        if (node !== undefined) nodes[address] = { ...node };
      }
    }
    return { reputation, jobs, nodes };
  }

  snapshot(): JobProjectionsSnapshot {
    return { reputation: snapshotReputation(this.reputation), dashboard: snapshotDashboard(this.dashboard) };
  }
}
