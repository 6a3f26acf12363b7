import type { Logger } from 'pino';
import { createLedger, loadLedger, type Ledger } from '../../actors/index.ts';
import { genesisPosition, type CutterPosition } from '../../events/index.ts';
import type { Genesis } from '../../schemas/index.ts';
import { JobProjections } from '../streams/index.ts';
import { newestUsable, type SnapshotStore } from './snapshotStore.ts';

export interface Restored {
  readonly ledger: Ledger;
  readonly position: CutterPosition;
  /** Height of the snapshot loaded, 0 when starting from genesis. */
  readonly fromHeight: number;
  /** The job projections at that height (from genesis: none yet). */
  readonly projections: JobProjections;
}

/**
 * The ledger and cutter position to resume from: the newest snapshot that loads, matches this
 * genesis, hashes to its root and does not run past the log; otherwise genesis. Each snapshot
 * skipped is reported as a warning.
 */
export async function restore(store: SnapshotStore, genesis: Genesis, genesisHash: string, logLastOffset: number, logger: Logger): Promise<Restored> {
  const found = await newestUsable(
    store,
    (snapshot) => {
      if (snapshot.position.lastOffset > logLastOffset) {
        throw new Error(`it ends at log offset ${snapshot.position.lastOffset}, past the log's last record ${logLastOffset}`);
      }
      const ledger = loadLedger(snapshot.ledger, genesis);
      if (ledger.height !== snapshot.height || snapshot.position.height !== snapshot.height + 1) {
        throw new Error('its ledger and cutter heights disagree');
      }
      if (snapshot.projections === undefined && snapshot.height > 0) throw new Error('it has no reputation and dashboard projections (written by an older node); they would start empty');
      const kFactor = genesis.jobs?.eloK ?? 32;
      if (snapshot.projections !== undefined && snapshot.projections.reputation.kFactor !== kFactor) {
        throw new Error(`its reputation was folded with Elo K ${snapshot.projections.reputation.kFactor}, the genesis says ${kFactor}`);
      }
      return { ledger, position: snapshot.position, fromHeight: snapshot.height, projections: new JobProjections(snapshot.projections) };
    },
    (skipped) => logger.warn({ file: skipped.file, reason: skipped.reason }, 'skipping a snapshot that cannot be used'),
  );
  return found ?? { ledger: createLedger(genesis), position: { ...genesisPosition, prevHash: genesisHash }, fromHeight: 0, projections: new JobProjections(undefined, { kFactor: genesis.jobs?.eloK }) };
}
