import type { Logger } from 'pino';
import { createChain, genesisHashOf, type Chain } from '../../actors/index.ts';
import type { Genesis } from '../../schemas/index.ts';
import { chainSnapshotOf, newestUsable, type SnapshotStore } from './snapshotStore.ts';

export interface Restored {
  readonly chain: Chain;
  /** Height of the snapshot loaded, 0 when starting from genesis. */
  readonly fromHeight: number;
}

/**
 * The chain to resume: from the newest snapshot file that loads (createChain checks its genesis,
 * root, heights and read models) and does not run past the log; otherwise from genesis. Each
 * snapshot skipped is reported as a warning. With `pastLog` (a log the data dir does not hold:
 * Kafka), a snapshot of this chain past the log's end is not skipped but handed to it, which
 * throws its refusal: the log is not the one the node was on.
 */
export async function restore(
  store: SnapshotStore,
  genesis: Genesis,
  logLastOffset: number,
  logger: Logger,
  pastLog?: (found: { readonly height: number; readonly lastOffset: number }) => Error,
): Promise<Restored> {
  let refusal: Error | undefined;
  const found = await newestUsable(
    store,
    (snapshot) => {
      if (snapshot.position?.lastOffset > logLastOffset) {
        // Of this chain (createChain checks its genesis) and past the log's end.
        if (pastLog !== undefined && snapshot.ledger?.genesisHash === genesisHashOf(genesis))
          refusal ??= pastLog({ height: snapshot.height, lastOffset: snapshot.position.lastOffset });
        throw new Error(`it ends at log offset ${snapshot.position.lastOffset}, past the log's last record ${logLastOffset}`);
      }
      return { chain: createChain({ genesis, snapshot: chainSnapshotOf(snapshot) }), fromHeight: snapshot.height };
    },
    (skipped) => logger.warn({ file: skipped.file, reason: skipped.reason }, 'skipping a snapshot that cannot be used'),
  );
  if (refusal !== undefined) throw refusal;
  return found ?? { chain: createChain({ genesis }), fromHeight: 0 };
}
