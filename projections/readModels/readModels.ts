import { AinError } from '../../schemas/index.ts';
import { createDashboard, loadDashboard, snapshotDashboard, type DashboardState } from '../dashboard/index.ts';
import { createExplainIndex, loadExplainIndex, snapshotExplainIndex, type ExplainIndex } from '../explain/index.ts';
import { createReputation, loadReputation, snapshotReputation, type ReputationState } from '../reputation/index.ts';

/**
 * The read models a chain folds from its blocks beside the ledger: reputation (per job and node,
 * with Elo), the dashboard, and the explain index (refused txs by request and job, and the times
 * and counts `explain` needs). Plain JSON, changed in place by `applyReadModels`.
 */
export interface ReadModels {
  reputation: ReputationState;
  dashboard: DashboardState;
  explain: ExplainIndex;
}

/** The read models as they are written into a snapshot (a deep copy). */
export interface ReadModelsSnapshot {
  readonly reputation: ReputationState;
  readonly dashboard: DashboardState;
  readonly explain: ExplainIndex;
}

/**
 * Empty read models; `kFactor` is the genesis's Elo K (`jobs.eloK`, 32 without one).
 * @example const models = createReadModels({ kFactor: genesis.jobs?.eloK })
 */
export function createReadModels(options: { readonly kFactor?: number } = {}): ReadModels {
  return {
    reputation: createReputation(options.kFactor === undefined ? {} : { kFactor: options.kFactor }),
    dashboard: createDashboard(),
    explain: createExplainIndex(),
  };
}

/** A deep copy, to write out and `loadReadModels` later. */
export function snapshotReadModels(models: ReadModels): ReadModelsSnapshot {
  return { reputation: snapshotReputation(models.reputation), dashboard: snapshotDashboard(models.dashboard), explain: snapshotExplainIndex(models.explain) };
}

/**
 * Read models from a snapshot (a deep copy); BAD_SNAPSHOT when it is not an object with every part,
 * or a part is malformed (a snapshot written before the explain index was kept lacks it: a node
 * then resumes from an older snapshot or replays the log, which rebuilds it).
 */
export function loadReadModels(snapshot: unknown): ReadModels {
  if (typeof snapshot !== 'object' || snapshot === null || Array.isArray(snapshot)) {
    throw new AinError('BAD_SNAPSHOT', 'The read models snapshot is not an object with reputation and dashboard.');
  }
  const { reputation, dashboard, explain } = snapshot as Record<string, unknown>;
  return { reputation: loadReputation(reputation), dashboard: loadDashboard(dashboard), explain: loadExplainIndex(explain) };
}
