import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Subject } from 'rxjs';
import { openFileLog, type KeyPair } from '../../events/index.ts';
import { AinError, type NodeConfig } from '../../schemas/index.ts';
import { createApi } from '../api/index.ts';
import { createIngest, createVerifyPool } from '../ingest/index.ts';
import { loadOrCreateKeyFile } from '../keys/index.ts';
import { devQuotas, openLocalBlobStore } from '../storage/index.ts';
import { createBlockStore, type BlockView } from './blockStore.ts';
import { startFollower } from './follower.ts';
import { startProposer } from './proposer.ts';

export interface AinNode {
  readonly key: KeyPair;
  /** `http://host:port` once started. */
  readonly url: string;
  /** Every block this node cuts, as it cuts it. */
  readonly blocks$: Subject<BlockView>;
  stop(): Promise<void>;
}

export interface StartNodeOptions {
  readonly config: NodeConfig;
  readonly logger: Logger;
  /** Wall clock for the proposer's cut markers; tests inject one. */
  readonly now?: () => number;
  /**
   * Called when following the log fails (a broken invariant, a log that cannot be read): the
   * node then cuts no more blocks and should be stopped. Default: logged as fatal only.
   */
  readonly onFatal?: (error: unknown) => void;
}

/** Undoes what startNode did so far, last first. */
type Teardown = (() => Promise<void> | void)[];

async function tearDown(steps: Teardown): Promise<void> {
  for (const step of steps.reverse()) await step();
}

function listenError(error: unknown, config: NodeConfig): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new AinError('BAD_CONFIG', `The node cannot listen on ${config.host}:${config.port} (${code}); choose another --port or --host.`, { cause: error });
  }
  return error;
}

/**
 * Assembles one node: key, file log, verify pool, block cutter following the log, the
 * proposer's timer and the HTTP API. Stops in reverse order: intake first, the log last.
 */
export async function startNode({ config, logger, now = Date.now, onFatal }: StartNodeOptions): Promise<AinNode> {
  await mkdir(config.dataDir, { recursive: true });
  const { key, created } = await loadOrCreateKeyFile(join(config.dataDir, 'node.key'));
  if (created) logger.info({ address: key.address }, 'created node key');
  const steps: Teardown = [];
  try {
    const log = await openFileLog({
      dir: join(config.dataDir, 'log'),
      fsync: config.log.fsync,
      segmentBytes: config.log.segmentBytes,
      onRecovery: (report) => logger.warn({ report }, 'log tail was torn by a crash and has been cut off'),
    });
    steps.push(() => log.close());
    const pool = createVerifyPool({ chain: config.chain, shard: config.shard, maxTxBytes: config.maxTxBytes, threads: config.verifyThreads });
    steps.push(() => pool.close());
    const blocks = createBlockStore();
    const { chain, shard, block } = config;
    const follower = startFollower(log, { chain, shard, maxTxs: block.maxTxs, maxBytes: block.maxBytes, proposers: [key.address] }, blocks);
    steps.push(() => follower.stop());
    follower.blocks$.subscribe((view) => logger.info({ height: view.header.height, txs: view.txs.length, hash: view.hash, lastOffset: view.header.lastOffset }, 'block'));
    follower.done.catch((error) => {
      logger.fatal({ err: error }, 'following the log failed; the node cuts no more blocks');
      onFatal?.(error);
    });
    const replayUpTo = log.lastOffset();
    const caughtUp = () => follower.seenOffset >= replayUpTo;
    const proposer = startProposer({ log, cutter: follower.cutter, key, chain, shard, intervalMs: block.intervalMs, now, logger, caughtUp });
    steps.push(() => proposer.stop());

    const blobs = await openLocalBlobStore({ dir: join(config.dataDir, 'blobs'), quotas: devQuotas(key.address), gcIntervalMs: 60_000 });
    steps.push(() => blobs.close());
    const api = createApi({
      ingest: createIngest({ log, pool, onAppended: (offsets, appended) => follower.noteOwn(offsets, appended) }),
      maxBatchTxs: config.maxBatchTxs,
      maxTxBytes: config.maxTxBytes,
      bodyBytesMax: config.maxBatchTxs * config.maxTxBytes * 2,
      blocks,
      blobs: { store: blobs },
      status: () => ({ chain, shard, address: key.address, lastOffset: log.lastOffset(), height: blocks.latest()?.header.height ?? 0 }),
    });
    steps.push(() => api.close());
    await api.listen({ host: config.host, port: config.port }).catch((error: unknown) => {
      throw listenError(error, config);
    });
    const address = api.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    logger.info({ url, address: key.address, chain, dataDir: config.dataDir }, 'node started');

    return {
      key,
      url,
      blocks$: follower.blocks$,
      async stop() {
        // Intake stops first; the log closes last, after syncing what was acknowledged.
        await tearDown(steps);
        logger.info('node stopped');
      },
    };
  } catch (error) {
    await tearDown(steps);
    throw error;
  }
}
