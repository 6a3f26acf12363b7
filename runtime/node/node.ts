import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Subject } from 'rxjs';
import { nextDeadline, type Ledger } from '../../actors/index.ts';
import type { KeyPair } from '../../events/index.ts';
import { readAccount } from '../../projections/index.ts';
import type { Genesis, NodeConfig, Op } from '../../schemas/index.ts';
import { createIngest, createVerifyPool } from '../ingest/index.ts';
import { loadOrCreateKeyFile } from '../keys/index.ts';
import { configuredQuotas, openLocalBlobStore } from '../storage/index.ts';
import { createStreamHub, type StreamHub } from '../streams/index.ts';
import { createApiService } from './apiService.ts';
import { openBlockHistory } from './blockHistory.ts';
import { createBlockStore, type BlockStore, type BlockView } from './blockStore.ts';
import type { NodeComponents } from './components.ts';
import { createFollower } from './follower.ts';
import { loadOrCreateGenesis } from './genesisFile.ts';
import { startHistoryRebuild } from './historyRebuild.ts';
import { createLifecycle, type Lifecycle } from './lifecycle.ts';
import { createNodeMetrics } from './metrics.ts';
import { createNodeSigner } from './nodeSigner.ts';
import { openNodeLog } from './openNodeLog.ts';
import { createProposer } from './proposer.ts';
import { restore } from './restore.ts';
import { createSnapshotStore } from './snapshotStore.ts';
import { createSnapshotWriter } from './snapshotWriter.ts';
import { createValidator } from './validator.ts';
import { createWaitFinal } from './waitFinal.ts';

export interface AinNode {
  readonly key: KeyPair;
  readonly genesis: Genesis;
  /** `http://host:port` once started. */
  readonly url: string;
  /** Every block this node cuts and applies, as it does. */
  readonly blocks$: Subject<BlockView>;
  readonly blocks: BlockStore;
  readonly ledger: Ledger;
  /** Every projection as a stream (blocks, finality, jobs, nodes, reputation, dashboard, accounts, state). */
  readonly streams: StreamHub;
  /** Signs an op with the node's key (nonces in order with its cut markers and attestations) and appends it. */
  submit(op: Op): Promise<number>;
  /** Resolves once block `height` is final (rejects with NOT_FINAL after `timeoutMs`). */
  waitFinal(height: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartNodeOptions {
  readonly config: NodeConfig;
  readonly logger: Logger;
  /** Wall clock for the node's own txs (cut markers, attestations); tests inject one. */
  readonly now?: () => number;
  /**
   * Called when following the log fails (a broken invariant, a log that cannot be read): the
   * node then cuts no more blocks and should be stopped. Default: logged as fatal only.
   */
  readonly onFatal?: (error: unknown) => void;
}

type Identity = Pick<NodeComponents, 'key' | 'genesis' | 'genesisHash'>;
type Stores = Pick<NodeComponents, 'log' | 'pool' | 'snapshotStore' | 'chain' | 'restoredFrom' | 'history' | 'blocks' | 'blobs'>;

/** The node's key and genesis; a fresh data dir gets a key and a dev genesis in which that key owns everything. */
async function loadIdentity(config: NodeConfig, logger: Logger): Promise<Identity> {
  await mkdir(config.dataDir, { recursive: true });
  const { key, created } = await loadOrCreateKeyFile(join(config.dataDir, 'node.key'));
  if (created) logger.info({ address: key.address }, 'created node key');
  const file = config.genesis ?? join(config.dataDir, 'genesis.json');
  const { genesis, hash, created: newChain } = await loadOrCreateGenesis(file, key.address, config);
  if (newChain) logger.info({ file, chain: genesis.chain }, 'wrote a dev genesis: this node owns /, proposes, validates and holds the supply');
  return { key, genesis, genesisHash: hash };
}

/**
 * Opens what the node keeps on disk, in dependency order, each held by `services` as soon as it
 * is open: the log, the verify pool, the chain restored from its newest usable snapshot, the
 * block history that fits it, Big Storage.
 */
async function openStores(c: Pick<NodeComponents, 'config' | 'logger' | 'metrics'> & Identity, services: Lifecycle): Promise<Stores> {
  const { config, logger, metrics, key, genesis, genesisHash } = c;
  const rawLog = await openNodeLog(config, key.address, logger);
  await services.start('log', { stop: () => rawLog.close() });
  const log = metrics.timed(rawLog);
  const pool = createVerifyPool({ chain: config.chain, shard: config.shard, maxTxBytes: config.maxTxBytes, threads: config.verifyThreads });
  await services.start('verify pool', { stop: () => pool.close() });

  const snapshotStore = createSnapshotStore(join(config.dataDir, 'snapshots'), config.snapshot.keep);
  const { chain, fromHeight } = await restore(snapshotStore, genesis, log.lastOffset(), logger);
  logger.info(
    { height: fromHeight, replayFrom: chain.position.lastOffset + 1, lastOffset: log.lastOffset() },
    fromHeight > 0 ? 'loaded snapshot' : 'starting from genesis',
  );
  const history = await openBlockHistory({
    dir: join(config.dataDir, 'history'),
    genesisHash,
    fromHeight,
    fromHash: chain.position.prevHash,
    log,
    logger,
  });
  await services.start('block history', { stop: () => history.close() });
  const { cacheBlocksMax, cacheTxsMax, rangeBlocksMax, rangeTxsMax } = config.history;
  const blocks = createBlockStore({ blocksMax: cacheBlocksMax, txsMax: cacheTxsMax, rangeBlocksMax, rangeTxsMax, history });

  const blobs = await openLocalBlobStore({
    dir: join(config.dataDir, 'blobs'),
    quotas: configuredQuotas(config.storage.reservations, key.address),
    gcIntervalMs: 60_000,
  });
  await services.start('blob store', { stop: () => blobs.close() });
  return { log, pool, snapshotStore, chain, restoredFrom: fromHeight, history, blocks, blobs };
}

/**
 * Assembles one node from its services and starts them in dependency order: what is on disk
 * (log, verify pool, chain, block history, Big Storage), then what consumes blocks (snapshots,
 * streams) before the follower that makes them, then what acts on blocks (history rebuild,
 * proposer, validator), the HTTP API last. It stops in reverse: intake first, a last snapshot,
 * the log last.
 */
export async function startNode({ config, logger, now = Date.now, onFatal }: StartNodeOptions): Promise<AinNode> {
  const identity = await loadIdentity(config, logger);
  const { key, genesis, genesisHash } = identity;
  const services = createLifecycle(logger);
  const fatal = (what: string) => (error: unknown) => {
    logger.fatal({ err: error }, what);
    onFatal?.(error);
  };
  try {
    const metrics = createNodeMetrics();
    const stores = await openStores({ config, logger, metrics, ...identity }, services);
    const { log, pool, chain, restoredFrom, history, blocks } = stores;
    const { ledger } = chain;

    const follower = createFollower({ log, chain, blocks, pool });
    follower.done.catch(fatal('following the log failed; the node cuts no more blocks'));
    follower.blocks$.subscribe((view) => {
      metrics.onBlock(view);
      logger.info({ height: view.header.height, txs: view.txs.length, hash: view.hash, finalized: view.finalized.height }, 'block');
    });
    const hub = createStreamHub({
      blocks$: follower.applied$,
      tree: ledger.tree,
      firstHeight: restoredFrom + 1,
      eventBytesMax: config.api.streamEventBytesMax,
      onEncoded: (event, bytes) => metrics.onStreamEncoded(event, bytes),
    });
    const snapshots = createSnapshotWriter({
      chain,
      blocks,
      blocks$: follower.blocks$,
      store: stores.snapshotStore,
      everyBlocks: config.snapshot.everyBlocks,
      fromHeight: restoredFrom,
      logger,
    });
    // What the log held at start: until the follower has read that far, the node is replaying.
    const replayUpTo = log.lastOffset();
    const caughtUp = () => follower.seenOffset >= replayUpTo;
    const signer = createNodeSigner({
      log,
      key,
      chain: genesis.chain,
      shard: genesis.shard,
      maxTxBytes: config.maxTxBytes,
      now,
      onFatal: fatal('the node signer stopped; the node proposes and attests no more'),
      ledgerNonce: () => readAccount(ledger.tree, key.address).nonce,
      onAppended: (offset, hash, isCut, value) => follower.noteOwn([offset], [{ hash, isCut, value }]),
      onAppending: (settled) => follower.appending(settled),
    });
    // A job deadline passes in block time: an idle chain cuts a block once the clock passes one.
    const jobDeadlinePassed = () => {
      const next = nextDeadline(ledger.tree);
      return next !== null && next <= now();
    };
    const proposer = genesis.proposers.includes(key.address)
      ? createProposer({
          chain,
          signer,
          intervalMs: config.block.intervalMs,
          logger,
          caughtUp,
          hasWork: () => follower.hasWork || jobDeadlinePassed(),
          hasPending: () => follower.hasPending,
          cutSoon$: follower.attested$,
          describe: () => ({
            readBack: follower.readBack,
            seenOffset: follower.seenOffset,
            lastOffset: log.lastOffset(),
            nextDeadline: nextDeadline(ledger.tree),
            now: now(),
          }),
        })
      : undefined;
    const validator = createValidator({
      address: key.address,
      ledger,
      blocks,
      blocks$: follower.blocks$,
      signer,
      logger,
      caughtUp,
      pending: () => chain.pending,
      intervalMs: config.block.intervalMs,
    });
    const waitFinal = createWaitFinal({ blocks, blocks$: follower.blocks$, proposer, intervalMs: config.block.intervalMs });
    const ingest = createIngest({
      log,
      pool,
      onAppended: (offsets, appended) => follower.noteOwn(offsets, appended),
      onAppending: (settled) => follower.appending(settled),
    });
    const api = createApiService({ config, logger, metrics, ingest, hub, waitFinal, ...stores }, () => ({
      chain: genesis.chain,
      shard: genesis.shard,
      address: key.address,
      genesis: genesisHash,
      lastOffset: log.lastOffset(),
      height: ledger.height,
      finalized: blocks.latest()?.finalized.height ?? 0,
      caughtUp: caughtUp(),
      restoredFrom,
    }));

    const restoredHash = chain.position.prevHash; // read before the follower moves the chain on

    // Consumers of blocks subscribe before the follower reads a record, and stop after it: the
    // last snapshot is of the chain as the follower left it.
    await services.start('snapshots', snapshots);
    await services.start('streams', { stop: () => hub.close() });
    await services.start('follower', follower);
    if (history.missingAtOpen > 0) {
      const rebuild = startHistoryRebuild({ log, genesis, history, upTo: restoredFrom, upToHash: restoredHash, pool, logger });
      await services.start('history rebuild', rebuild);
    }
    if (proposer !== undefined) await services.start('proposer', proposer);
    await services.start('validator', validator);
    await services.start('HTTP API', api);
    logger.info({ url: api.url, address: key.address, chain: genesis.chain, dataDir: config.dataDir }, 'node started');

    return {
      key,
      genesis,
      url: api.url,
      blocks$: follower.blocks$,
      blocks,
      ledger,
      streams: hub,
      waitFinal,
      submit: (op) => signer.submit(op),
      async stop() {
        await services.stop(() => ({
          submitsInFlight: api.submitsInFlight,
          readBack: follower.readBack,
          seenOffset: follower.seenOffset,
          lastOffset: log.lastOffset(),
        }));
        logger.info('node stopped');
      },
    };
  } catch (error) {
    await services.stop().catch(() => undefined);
    throw error;
  }
}
