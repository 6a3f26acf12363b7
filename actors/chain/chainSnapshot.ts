import type { CutterPosition } from '../../log/index.ts';
import { createReadModels, loadReadModels, type ReadModels, type ReadModelsSnapshot } from '../../projections/index.ts';
import { AinError, type Genesis } from '../../schemas/index.ts';
import { loadLedger, type Ledger, type LedgerSnapshot } from '../ledger/index.ts';

/** A chain at a height as plain JSON: what a node writes to its snapshot file. */
export interface ChainSnapshot {
  readonly height: number;
  /** Hash of the block at `height` (the genesis hash at 0). */
  readonly blockHash: string;
  /** Where the cutter stands: the next record it takes is `position.lastOffset + 1`. */
  readonly position: CutterPosition;
  readonly ledger: LedgerSnapshot;
  readonly readModels: ReadModelsSnapshot;
}

/** A snapshot to load: one written before read models were kept has none (usable only at height 0). */
export type ChainSnapshotInput = Omit<ChainSnapshot, 'readModels'> & { readonly readModels?: ReadModelsSnapshot };

/** What a chain resumes from. */
export interface LoadedChain {
  readonly ledger: Ledger;
  readonly position: CutterPosition;
  readonly readModels: ReadModels;
}

const bad = (message: string, details?: Record<string, unknown>) => new AinError('BAD_SNAPSHOT', message, details === undefined ? {} : { details });

/**
 * A chain's parts from a snapshot of this genesis; BAD_SNAPSHOT when it is malformed, of another
 * chain, does not hash to its root, its ledger, cutter and block hash disagree, it lacks its read
 * models, or they were folded with another Elo K than the genesis's.
 */
export function loadChainSnapshot(snapshot: ChainSnapshotInput, genesis: Genesis): LoadedChain {
  const ledger = loadLedger(snapshot.ledger, genesis);
  const { height, position, blockHash } = snapshot;
  if (ledger.height !== height || position?.height !== height + 1) {
    throw bad(`The snapshot's ledger and cutter heights disagree (snapshot ${height}, ledger ${ledger.height}, cutter at ${position?.height}).`, { height });
  }
  if (position.prevHash !== blockHash) {
    throw bad(
      `The snapshot's block hash ${String(blockHash).slice(0, 16)}… is not the hash its cutter goes on from (${String(position.prevHash).slice(0, 16)}…).`,
      { height },
    );
  }
  const kFactor = genesis.jobs?.eloK ?? 32;
  if (snapshot.readModels === undefined) {
    if (height > 0)
      throw bad('The snapshot has no reputation and dashboard read models (projections; written by an older node): they would start empty.', { height });
    return { ledger, position, readModels: createReadModels({ kFactor }) };
  }
  const readModels = loadReadModels(snapshot.readModels);
  if (readModels.reputation.kFactor !== kFactor) {
    throw bad(`The snapshot's reputation was folded with Elo K ${readModels.reputation.kFactor}, the genesis says ${kFactor}.`, { height });
  }
  return { ledger, position, readModels };
}
