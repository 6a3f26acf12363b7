import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { filter, firstValueFrom, type Subject, timeout } from 'rxjs';
import { nextDeadline, type Ledger } from '../../actors/index.ts';
import { signatureVerifier, type KeyPair } from '../../events/index.ts';
import { readAccount } from '../../projections/index.ts';
import { AinError, type Genesis, type NodeConfig, type Op } from '../../schemas/index.ts';
import { createApi } from '../api/index.ts';
import { createIngest, createVerifyPool } from '../ingest/index.ts';
import { loadOrCreateKeyFile } from '../keys/index.ts';
import { devQuotas, openLocalBlobStore } from '../storage/index.ts';
import { openBlockHistory } from './blockHistory.ts';
import { createBlockStore, type BlockStore, type BlockView } from './blockStore.ts';
import { startHistoryRebuild } from './historyRebuild.ts';
import { createStreamHub, type StreamHub } from '../streams/index.ts';
import { startFollower } from './follower.ts';
import { openNodeLog } from './openNodeLog.ts';
import { loadOrCreateGenesis } from './genesisFile.ts';
import { createNodeMetrics } from './metrics.ts';
import { createNodeSigner } from './nodeSigner.ts';
import { startProposer } from './proposer.ts';
import { restore } from './restore.ts';
import { createSnapshotStore, nodeSnapshotOf } from './snapshotStore.ts';
import { startValidator } from './validator.ts';

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

/** Undoes what startNode did so far, last first. */
type Teardown = { readonly name: string; readonly run: () => Promise<void> | void }[];

/** How long the API waits for requests in flight when the node stops, before it cuts their connections. */
const apiCloseGraceMs = 5_000;

/**
 * Closes the HTTP API: new requests are refused at once; those in flight get `apiCloseGraceMs` to
 * finish, then their connections are cut, so no client (or a request that never ends) can keep a
 * node from stopping.
 */
async function closeApi(api: FastifyInstance, logger: Logger): Promise<void> {
  const closed = api.close();
  const grace = setTimeout(() => {
    logger.warn({ graceMs: apiCloseGraceMs }, 'requests still open when the node stops: their connections are cut');
    api.server.closeAllConnections();
  }, apiCloseGraceMs);
  try {
    await closed;
  } finally {
    clearTimeout(grace);
  }
}

/** A stop step still running after this long is named in the log: a stop that hangs says where. */
const slowStopStepMs = 10_000;

async function tearDown(steps: Teardown, logger: Logger, state: () => object = () => ({})): Promise<void> {
  for (const { name, run } of steps.reverse()) {
    const slow = setTimeout(() => logger.warn({ step: name, ...state() }, `stopping the node: ${name} takes more than ${slowStopStepMs} ms`), slowStopStepMs);
    try {
      await run();
    } finally {
      clearTimeout(slow);
    }
  }
}

function listenError(error: unknown, config: NodeConfig): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new AinError('BAD_CONFIG', `The node cannot listen on ${config.host}:${config.port} (${code}); choose another --port or --host.`, { cause: error });
  }
  return error;
}

/**
 * Assembles one node: key, genesis, file log, ledger (from its newest snapshot), verify pool,
 * block cutter following the log, proposer, validator, snapshots, metrics and the HTTP API.
 * Stops in reverse order: intake first, a last snapshot, the log last.
 */
export async function startNode({ config, logger, now = Date.now, onFatal }: StartNodeOptions): Promise<AinNode> {
  await mkdir(config.dataDir, { recursive: true });
  const { key, created } = await loadOrCreateKeyFile(join(config.dataDir, 'node.key'));
  if (created) logger.info({ address: key.address }, 'created node key');
  const genesisFile = config.genesis ?? join(config.dataDir, 'genesis.json');
  const { genesis, hash: genesisHash, created: newChain } = await loadOrCreateGenesis(genesisFile, key.address, config);
  if (newChain) logger.info({ file: genesisFile, chain: genesis.chain }, 'wrote a dev genesis: this node owns /, proposes, validates and holds the supply');
  const steps: Teardown = [];
  try {
    const metrics = createNodeMetrics();
    const rawLog = await openNodeLog(config, key.address, logger);
    steps.push({ name: 'log', run: () => rawLog.close() });
    const log = metrics.timed(rawLog);
    const pool = createVerifyPool({ chain: config.chain, shard: config.shard, maxTxBytes: config.maxTxBytes, threads: config.verifyThreads });
    steps.push({ name: 'verify pool', run: () => pool.close() });
    // Runs after the follower has stopped (steps undo last first): the state it ended with.
    let finalSnapshot = async () => {};
    steps.push({ name: 'last snapshot', run: () => finalSnapshot() });

    const snapshots = createSnapshotStore(join(config.dataDir, 'snapshots'), config.snapshot.keep);
    const { chain: ledgerChain, fromHeight } = await restore(snapshots, genesis, log.lastOffset(), logger);
    const { ledger } = ledgerChain;
    logger.info(
      { height: fromHeight, replayFrom: ledgerChain.position.lastOffset + 1, lastOffset: log.lastOffset() },
      fromHeight > 0 ? 'loaded snapshot' : 'starting from genesis',
    );

    // Closed after the follower stops (steps undo last first), once what it was given is on disk.
    const history = await openBlockHistory({
      dir: join(config.dataDir, 'history'),
      genesisHash,
      fromHeight,
      fromHash: ledgerChain.position.prevHash,
      log,
      logger,
    });
    steps.push({ name: 'block history', run: () => history.close() });
    const { cacheBlocksMax, cacheTxsMax, rangeBlocksMax, rangeTxsMax } = config.history;
    const blocks = createBlockStore({ blocksMax: cacheBlocksMax, txsMax: cacheTxsMax, rangeBlocksMax, rangeTxsMax, history });
    let cutSoon = () => {};
    const follower = startFollower({ log, chain: ledgerChain, blocks, pool, onAttestation: () => cutSoon() });
    steps.push({ name: 'follower', run: () => follower.stop() });
    if (history.missingAtOpen > 0) {
      const rebuild = startHistoryRebuild({ log, genesis, history, upTo: fromHeight, upToHash: ledgerChain.position.prevHash, pool, logger });
      steps.push({ name: 'history rebuild', run: () => rebuild.stop() });
    }
    // Subscribed before any block arrives (the follower reads the log asynchronously), and before
    // the snapshot writer below, so a snapshot's read models include its block.
    const hub = createStreamHub({
      blocks$: follower.applied$,
      tree: ledger.tree,
      firstHeight: fromHeight + 1,
      eventBytesMax: config.api.streamEventBytesMax,
      onEncoded: (event, bytes) => metrics.onStreamEncoded(event, bytes),
    });
    steps.push({ name: 'streams', run: () => hub.close() });
    follower.done.catch((error) => {
      logger.fatal({ err: error }, 'following the log failed; the node cuts no more blocks');
      onFatal?.(error);
    });
    const replayUpTo = log.lastOffset();
    const caughtUp = () => follower.seenOffset >= replayUpTo;
    const { chain, shard } = genesis;
    const signer = createNodeSigner({
      log,
      key,
      chain,
      shard,
      maxTxBytes: config.maxTxBytes,
      now,
      onFatal: (error) => {
        logger.fatal({ err: error }, 'the node signer stopped; the node proposes and attests no more');
        onFatal?.(error);
      },
      ledgerNonce: () => readAccount(ledger.tree, key.address).nonce,
      onAppended: (offset, hash, isCut, value) => follower.noteOwn([offset], [{ hash, isCut, value }]),
      onAppending: (settled) => follower.appending(settled),
    });
    // A job deadline passes in block time: an idle chain cuts a block once the clock passes one.
    const jobDeadlinePassed = () => {
      const next = nextDeadline(ledger.tree);
      return next !== null && next <= now();
    };
    const proposing = genesis.proposers.includes(key.address);
    const proposer = proposing
      ? startProposer({
          chain: ledgerChain,
          signer,
          intervalMs: config.block.intervalMs,
          logger,
          caughtUp,
          hasWork: () => follower.hasWork || jobDeadlinePassed(),
          hasPending: () => follower.hasPending,
          describe: () => ({
            readBack: follower.readBack,
            seenOffset: follower.seenOffset,
            lastOffset: log.lastOffset(),
            nextDeadline: nextDeadline(ledger.tree),
            now: now(),
          }),
        })
      : undefined;
    if (proposer !== undefined) {
      steps.push({ name: 'proposer', run: () => proposer.stop() });
      cutSoon = () => proposer.cutSoon();
    }
    const validator = startValidator({
      address: key.address,
      ledger,
      blocks,
      signer,
      logger,
      caughtUp,
      pending: () => ledgerChain.pending,
      intervalMs: config.block.intervalMs,
    });
    steps.push({ name: 'validator', run: () => validator.stop() });

    const blobs = await openLocalBlobStore({ dir: join(config.dataDir, 'blobs'), quotas: devQuotas(key.address), gcIntervalMs: 60_000 });
    steps.push({ name: 'blob store', run: () => blobs.close() });

    let lastSnapshotHeight = fromHeight;
    let writing: Promise<void> = Promise.resolve();
    const takeSnapshot = (): Promise<void> => {
      // Taken synchronously, so it is exactly the chain after the block just applied.
      const snapshot = nodeSnapshotOf(ledgerChain.snapshot());
      lastSnapshotHeight = snapshot.height;
      // A snapshot only once the history holds its block: a restart serves every block below it.
      writing = writing.then(() =>
        blocks
          .flushed()
          .then(() => snapshots.write(snapshot))
          .then(
            () => logger.info({ height: snapshot.height }, 'wrote snapshot'),
            (error: unknown) => logger.error({ err: error, height: snapshot.height }, 'could not write a snapshot; the log still holds everything'),
          ),
      );
      return writing;
    };
    follower.blocks$.subscribe((view) => {
      metrics.onBlock(view);
      logger.info({ height: view.header.height, txs: view.txs.length, hash: view.hash, finalized: view.finalized.height }, 'block');
      validator.onBlock();
      if (view.header.height - lastSnapshotHeight >= config.snapshot.everyBlocks) void takeSnapshot();
    });
    finalSnapshot = async () => {
      const latest = blocks.latest();
      if (latest !== undefined && latest.header.height > lastSnapshotHeight && latest.header.height === ledger.height) await takeSnapshot();
      await writing;
    };

    const waitFinal = async (height: number, timeoutMs = Math.max(2000, 3 * config.block.intervalMs)): Promise<void> => {
      if ((blocks.latest()?.finalized.height ?? 0) >= height) return;
      proposer?.cutSoon({ evenIfIdle: true });
      const nudge = setInterval(() => proposer?.cutSoon({ evenIfIdle: true }), Math.min(100, config.block.intervalMs));
      try {
        await firstValueFrom(
          follower.blocks$.pipe(
            filter((b) => b.finalized.height >= height),
            timeout(timeoutMs),
          ),
        );
      } catch (cause) {
        throw new AinError('NOT_FINAL', `Block ${height} is not final yet (the final height is ${blocks.latest()?.finalized.height ?? 0}); retry shortly.`, {
          cause,
        });
      } finally {
        clearInterval(nudge);
      }
    };

    let submitsInFlight = 0;
    const ingest = createIngest({
      log,
      pool,
      onAppended: (offsets, appended) => follower.noteOwn(offsets, appended),
      onAppending: (settled) => follower.appending(settled),
    });
    const api = createApi({
      ingest: {
        async submit(texts) {
          submitsInFlight++;
          const results = await ingest.submit(texts).finally(() => submitsInFlight--);
          metrics.onSubmitted(
            results.filter((r) => 'offset' in r).length,
            results.flatMap((r) => ('code' in r ? [r.code] : [])),
          );
          return results;
        },
      },
      maxBatchTxs: config.maxBatchTxs,
      maxTxBytes: config.maxTxBytes,
      bodyBytesMax: config.maxBatchTxs * config.maxTxBytes * 2,
      blocks,
      blobs: { store: blobs },
      ledger,
      waitFinal,
      jobs: { ledger, readModels: ledgerChain.readModels },
      readBytesMax: config.api.readBytesMax,
      streams: {
        hub,
        connectionsMax: config.api.streamsMax,
        bufferBytesMax: config.api.streamBufferBytesMax,
        drainMs: config.api.streamDrainMs,
        metrics: metrics.streams,
      },
      metrics: metrics.registry,
      status: () => ({
        chain,
        shard,
        address: key.address,
        genesis: genesisHash,
        lastOffset: log.lastOffset(),
        height: ledger.height,
        finalized: blocks.latest()?.finalized.height ?? 0,
        caughtUp: caughtUp(),
        restoredFrom: fromHeight,
      }),
    });
    steps.push({ name: 'HTTP API', run: () => closeApi(api, logger) });
    steps.push({ name: 'streams', run: () => hub.close() }); // before the server closes: it waits for open streams to end
    await api.listen({ host: config.host, port: config.port }).catch((error: unknown) => {
      throw listenError(error, config);
    });
    const address = api.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    logger.info({ url, address: key.address, chain, dataDir: config.dataDir, verifier: signatureVerifier() }, 'node started');

    return {
      key,
      genesis,
      url,
      blocks$: follower.blocks$,
      blocks,
      ledger,
      streams: hub,
      waitFinal,
      submit: (op) => signer.submit(op),
      async stop() {
        // Intake stops first; a last snapshot; the log closes last, after syncing what was acknowledged.
        await tearDown(steps, logger, () => ({ submitsInFlight, readBack: follower.readBack, seenOffset: follower.seenOffset, lastOffset: log.lastOffset() }));
        logger.info('node stopped');
      },
    };
  } catch (error) {
    await tearDown(steps, logger);
    throw error;
  }
}
