import type { Logger } from 'pino';
import type { Observable, Subscription } from 'rxjs';
import type { Chain } from '../../actors/index.ts';
import type { BlockStore, BlockView } from './blockStore.ts';
import type { Service } from './lifecycle.ts';
import { nodeSnapshotOf, type SnapshotStore } from './snapshotStore.ts';

export interface SnapshotWriterOptions {
  /** The chain whose state is written: read the moment a block is applied, so a snapshot is exactly the chain after it. */
  readonly chain: Pick<Chain, 'snapshot' | 'ledger'>;
  /** The node's blocks: a snapshot is written only once the history holds its block. */
  readonly blocks: Pick<BlockStore, 'flushed' | 'latest'>;
  /** The blocks the node applies; they complete when the node's follower stops. */
  readonly blocks$: Observable<BlockView>;
  readonly store: SnapshotStore;
  /** A snapshot every this many blocks. */
  readonly everyBlocks: number;
  /** Height of the snapshot the node restored from (0: genesis). */
  readonly fromHeight: number;
  readonly logger: Logger;
}

export interface SnapshotWriter extends Service {
  start(): void;
  /** Writes a last snapshot of the chain as its follower left it (stop the follower first), and waits for every write. */
  stop(): Promise<void>;
}

/**
 * Writes the node's snapshots: one every `everyBlocks` blocks and a last one when the node stops,
 * so a restart replays little of the log. A snapshot is written only once the block history holds
 * its block, so a restart serves every block below it. A write that fails is logged: the log still
 * holds everything, and the next snapshot tries again.
 * @example
 * const snapshots = createSnapshotWriter({ chain, blocks, blocks$: follower.blocks$, store, everyBlocks: 100, fromHeight, logger })
 */
export function createSnapshotWriter({ chain, blocks, blocks$, store, everyBlocks, fromHeight, logger }: SnapshotWriterOptions): SnapshotWriter {
  let lastHeight = fromHeight;
  let writing: Promise<void> = Promise.resolve();
  let subscription: Subscription | undefined;
  const take = (): Promise<void> => {
    // Taken synchronously, so it is exactly the chain after the block just applied.
    const snapshot = nodeSnapshotOf(chain.snapshot());
    lastHeight = snapshot.height;
    writing = writing.then(() =>
      blocks
        .flushed()
        .then(() => store.write(snapshot))
        .then(
          () => logger.info({ height: snapshot.height }, 'wrote snapshot'),
          (error: unknown) => logger.error({ err: error, height: snapshot.height }, 'could not write a snapshot; the log still holds everything'),
        ),
    );
    return writing;
  };
  return {
    start() {
      subscription ??= blocks$.subscribe((view) => {
        if (view.header.height - lastHeight >= everyBlocks) void take();
      });
    },
    async stop() {
      subscription?.unsubscribe();
      const latest = blocks.latest();
      if (latest !== undefined && latest.header.height > lastHeight && latest.header.height === chain.ledger.height) await take();
      await writing;
    },
  };
}
