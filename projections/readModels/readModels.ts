import { AinError } from '../../schemas/index.ts';
import { createDashboard, loadDashboard, snapshotDashboard, type DashboardState } from '../dashboard/index.ts';
import { createReputation, loadReputation, snapshotReputation, type ReputationState } from '../reputation/index.ts';

/**
 * The read models a chain folds from its blocks' job events beside the ledger: reputation (per job
 * and node, with Elo) and the dashboard. Plain JSON, changed in place by `applyReadModels`.
 */
export interface ReadModels {
  reputation: ReputationState;
  dashboard: DashboardState;
}

/** The read models as they are written into a snapshot (a deep copy). */
export interface ReadModelsSnapshot {
  readonly reputation: ReputationState;
  readonly dashboard: DashboardState;
}

/**
 * Empty read models; `kFactor` is the genesis's Elo K (`jobs.eloK`, 32 without one).
 * @example const models = createReadModels({ kFactor: genesis.jobs?.eloK })
 */
export function createReadModels(options: { readonly kFactor?: number } = {}): ReadModels {
  return { reputation: createReputation(options.kFactor === undefined ? {} : { kFactor: options.kFactor }), dashboard: createDashboard() };
}

/** A deep copy, to write out and `loadReadModels` later. */
export function snapshotReadModels(models: ReadModels): ReadModelsSnapshot {
  return { reputation: snapshotReputation(models.reputation), dashboard: snapshotDashboard(models.dashboard) };
}

/**
 * Read models from a snapshot (a deep copy); BAD_SNAPSHOT when it is not an object with both parts,
 * or either part is malformed.
 */
export function loadReadModels(snapshot: unknown): ReadModels {
  if (typeof snapshot !== 'object' || snapshot === null || Array.isArray(snapshot)) {
    throw new AinError('BAD_SNAPSHOT', 'The read models snapshot is not an object with reputation and dashboard.');
  }
  const { reputation, dashboard } = snapshot as Record<string, unknown>;
  return { reputation: loadReputation(reputation), dashboard: loadDashboard(dashboard) };
}
