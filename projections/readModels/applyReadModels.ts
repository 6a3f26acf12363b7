import { applyDashboardEvents, type NodeDashboard } from '../dashboard/index.ts';
import { applyExplainIndex, type RefusedAbout } from '../explain/index.ts';
import type { JobEvent } from '../../schemas/index.ts';
import { applyReputationEvents, type JobReputationEntry } from '../reputation/index.ts';
import { jobDashboardView, type JobDashboardView } from './jobDashboardView.ts';
import type { ReadModels } from './readModels.ts';

/** What one block changed in the read models: the (job, node) entries and the jobs and nodes it touched, as they are after it. */
export interface ReadModelChange {
  readonly reputation: readonly (JobReputationEntry & { readonly node: string })[];
  readonly jobs: Readonly<Record<string, JobDashboardView>>;
  readonly nodes: Readonly<Record<string, NodeDashboard>>;
}

/** Every address an event names: they are the reputation and dashboard entries it may change. */
function addressesOf(event: JobEvent): string[] {
  switch (event.type) {
    case 'jobRegistered':
    case 'binariesPublished':
      return [event.admin];
    case 'reserved':
    case 'reservationAccepted':
    case 'reservationEnded':
      return [event.client, event.worker];
    case 'testDataRevealed':
      return [event.client];
    case 'keyShared':
      return [event.client, event.node];
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
      return [event.client, event.evaluator, event.challenger];
    case 'challengeResolved':
      return [event.client, event.evaluator, event.challenger, event.resolver];
    case 'challengerPenalized':
      return [event.node];
    case 'blindChallenged':
      return [event.client, event.evaluator];
    case 'blindVerdict':
      return [event.admin];
    case 'blindChallengeResolved':
      return [event.client, event.evaluator, ...event.agreed];
    case 'settled':
    case 'refunded':
      return [
        event.client,
        ...(event.evaluator === null ? [] : [event.evaluator]),
        ...event.payouts.map((p) => p.to),
        ...('unpaid' in event ? event.unpaid : []),
      ];
  }
}

/**
 * Folds one block's job events (and its refused txs that name a request or job) into the read
 * models, in place, and returns what it changed in reputation and dashboard, by ascending job and
 * address; null for a block without job events.
 * @example const change = applyReadModels(models, result.jobEvents, refusedTxsOf(header, txs, result.outcomes))
 */
export function applyReadModels(models: ReadModels, events: readonly JobEvent[], refused: readonly RefusedAbout[] = []): ReadModelChange | null {
  applyExplainIndex(models.explain, events, refused);
  if (events.length === 0) return null;
  applyReputationEvents(models.reputation, events);
  applyDashboardEvents(models.dashboard, events);
  const touched = new Map<string, Set<string>>();
  for (const event of events) {
    const set = touched.get(event.job) ?? new Set<string>();
    for (const address of addressesOf(event)) set.add(address);
    touched.set(event.job, set);
  }
  const reputation: (JobReputationEntry & { node: string })[] = [];
  const jobs: Record<string, JobDashboardView> = {};
  const nodes: Record<string, NodeDashboard> = {};
  for (const [job, addresses] of [...touched].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const board = models.dashboard.jobs[job];
    if (board !== undefined) jobs[job] = jobDashboardView(board);
    for (const address of [...addresses].sort()) {
      const entry = models.reputation.jobs[job]?.nodes[address];
      if (entry !== undefined) reputation.push({ job, node: address, ...entry, children: [...entry.children] });
      const node = models.dashboard.nodes[address];
      if (node !== undefined) nodes[address] = { ...node };
    }
  }
  return { reputation, jobs, nodes };
}
