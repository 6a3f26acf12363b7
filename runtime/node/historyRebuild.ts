import type { Logger } from 'pino';
import { createChain } from '../../actors/index.ts';
import type { EventLog } from '../../log/index.ts';
import type { Genesis } from '../../schemas/index.ts';
import type { VerifyPool } from '../ingest/index.ts';
import { createBlockStore, type BlockHistory, type BlockStore, type BlockView } from './blockStore.ts';
import { createFollower, type Follower } from './follower.ts';
import type { Service } from './lifecycle.ts';

export interface HistoryRebuildOptions {
  readonly log: EventLog;
  readonly genesis: Genesis;
  readonly history: BlockHistory;
  /** The snapshot's height and block hash: heights up to it the history lacks are written. */
  readonly upTo: number;
  readonly upToHash: string;
  readonly pool?: VerifyPool;
  readonly logger: Logger;
}

export interface HistoryRebuild extends Service {
  /** Resolves once the heights up to `upTo` are written (or the rebuild was stopped or failed: logged). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Fills the heights up to the snapshot that the history lacks (a data dir from before the history,
 * a history dropped as stale), in the background: a second follower replays the log from genesis
 * with a ledger of its own, exactly as a node without snapshots would, and writes each block the
 * history does not hold. It stops at the snapshot's height; the live node writes the blocks above.
 */
export function startHistoryRebuild({ log, genesis, history, upTo, upToHash, pool, logger }: HistoryRebuildOptions): HistoryRebuild {
  const started = performance.now();
  let written = 0;
  let reached = false;
  const fill = (view: BlockView) => {
    const { height } = view.header;
    if (reached || height > upTo) return;
    if (history.get(height) === undefined) {
      history.put(view);
      written++;
    }
    if (height < upTo) return;
    reached = true;
    if (view.hash === upToHash)
      logger.info({ written, upTo, ms: Math.round(performance.now() - started) }, 'block history rebuilt from the log up to the snapshot');
    else
      logger.error(
        { height, replayed: view.hash, snapshot: upToHash },
        'the replay reached the snapshot height with another block hash than the snapshot: the log and the snapshot disagree (run ain audit)',
      );
    void running?.stop();
  };
  // The follower stores what it applies; this store only passes each block on to `fill`.
  const scratch = createBlockStore({ blocksMax: 1, txsMax: 1 });
  const sink: BlockStore = {
    ...scratch,
    add(block, result) {
      const view = scratch.add(block, result);
      fill(view);
      return view;
    },
  };
  // Dropped once done, so its ledger (a second state tree) is freed while the node runs on.
  let running: Follower | undefined = createFollower({ log, chain: createChain({ genesis }), blocks: sink, pool });
  running.start();
  logger.info({ upTo }, 'rebuilding the block history from the log in the background (the heights it lacks up to the snapshot answer 404 until then)');
  const done = running.done
    .then(
      () => {
        if (!reached) logger.warn({ written, upTo }, 'the block history rebuild stopped before the snapshot height; the next start goes on');
      },
      (error: unknown) =>
        logger.error({ err: error, written, upTo }, 'rebuilding the block history failed; the heights it lacks answer 404 (the node goes on)'),
    )
    .finally(() => (running = undefined));
  return {
    done,
    async stop() {
      await running?.stop();
      await done;
    },
  };
}
