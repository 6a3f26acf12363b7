import { AinError, type Genesis } from '../../schemas/index.ts';
import { loadStateTree, type StateSnapshot } from '../../projections/index.ts';
import { genesisHashOf, ledgerOf, type Ledger } from './ledger.ts';

/** The ledger at a height as plain JSON (the state tree holds everything it folds). */
export interface LedgerSnapshot {
  readonly version: 1;
  readonly height: number;
  readonly genesisHash: string;
  readonly state: StateSnapshot;
}

export function snapshotLedger(ledger: Ledger): LedgerSnapshot {
  return { version: 1, height: ledger.height, genesisHash: ledger.genesisHash, state: ledger.tree.snapshot() };
}

/**
 * A ledger from a snapshot of the same chain; BAD_SNAPSHOT when it is malformed, of another
 * genesis, or its contents do not hash to the root it records.
 */
export function loadLedger(snapshot: LedgerSnapshot, genesis: Genesis): Ledger {
  const genesisHash = genesisHashOf(genesis);
  if (snapshot?.version !== 1 || !Number.isSafeInteger(snapshot.height) || snapshot.height < 0) {
    throw new AinError('BAD_SNAPSHOT', 'The snapshot is not a version 1 ledger snapshot with a height.');
  }
  if (snapshot.genesisHash !== genesisHash) {
    throw new AinError(
      'BAD_SNAPSHOT',
      `The snapshot belongs to genesis ${String(snapshot.genesisHash).slice(0, 16)}…, not this chain's ${genesisHash.slice(0, 16)}….`,
    );
  }
  const tree = loadStateTree(snapshot.state);
  return ledgerOf(genesis, genesisHash, tree, snapshot.height);
}
