import type { Logger } from 'pino';
import type { Subject } from 'rxjs';
import { nextDeadline, type Ledger } from '../../actors/index.ts';
import { signatureVerifier, type KeyPair } from '../../log/index.ts';
import { applyRatingHistory, createRatingHistory, readAccount } from '../../projections/index.ts';
import { AinError, type Genesis, type NodeConfig, type Op } from '../../schemas/index.ts';
import { votingSetAt, type ConsensusService } from '../consensus/index.ts';
import { bandwidthAdmission, createIngest } from '../ingest/index.ts';
import { protocolOf, topicOf } from '../net/index.ts';
import { createBlobAuthVerifier } from '../storage/index.ts';
import { createStreamHub, type StreamHub } from '../streams/index.ts';
import { createApiService, type ProcessChains } from './apiService.ts';
import type { BlockStore, BlockView } from './blockStore.ts';
import type { NodeComponents } from './components.ts';
import { createFollower } from './follower.ts';
import { startHistoryRebuild } from './historyRebuild.ts';
import { createLifecycle } from './lifecycle.ts';
import { createHealthWatch } from './healthWatch.ts';
import { createNodeMetrics } from './metrics.ts';
import { openConsensusServices } from './consensusServices.ts';
import { createNetService } from './netService.ts';
import { createPeerBlobService } from './peerBlobService.ts';
import { createPeerCallService } from './peerCallService.ts';
import { createInvocationHub } from '../api/index.ts';
import { createProgressGossip } from './progressGossip.ts';
import { createNodeSigner } from './nodeSigner.ts';
import { createProposer } from './proposer.ts';
import { createSnapshotWriter } from './snapshotWriter.ts';
import { loadIdentity, openStores } from './stores.ts';
import { createShardProofLinks } from './shardProofs.ts';
import { createShardReporter, type ShardReporter, type ShardReporterComponents } from './shardReporter.ts';
import { attestationsOf } from './shardReports.ts';
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
  /** Every projection as a stream (`streamNames`: blocks, finality, jobs, nodes, reputation, dashboard, triggers, consensus, accounts, state). */
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
  /** The chains this process serves beside this one (`ain node --data D1 --data D2 …`): `?shard=` on its API reaches them. */
  readonly chains?: ProcessChains;
}

/**
 * How long `GET /v1/proof/<path>?shard=` waits for its link to the parent: the shard's next block,
 * then that block's record on a parent node (its reporters send it within a parent block or two).
 */
const proofLinkWaitMs = 30_000;

/** A validator of a peer-to-peer network signs no txs of its own outside consensus. */
const noSigning = { signer: undefined, proposer: undefined, validator: undefined } as const;

/** Says what went wrong in the node's log and tells the caller: the node goes on, but can cut no more blocks. */
type Fatal = (what: string) => (error: unknown) => void;

/**
 * What makes and serves blocks: the follower (made, not started), and the services that consume
 * its blocks (the SSE hub, the snapshot writer, the metrics and the block log line).
 */
function createBlockServices(
  c: Pick<NodeComponents, 'config' | 'logger' | 'metrics' | 'log' | 'pool' | 'chain' | 'restoredFrom' | 'blocks' | 'snapshotStore'>,
  fatal: Fatal,
) {
  const { config, logger, metrics, chain, restoredFrom } = c;
  const follower = createFollower(c);
  follower.done.catch(fatal('following the log failed; the node cuts no more blocks'));
  follower.blocks$.subscribe((view) => {
    metrics.onBlock(view);
    logger.info({ height: view.header.height, txs: view.txs.length, hash: view.hash, finalized: view.finalized.height }, 'block');
  });
  // Folded as blocks are applied, so a node has the ratings of the blocks it replayed or followed since it started.
  const ratings = createRatingHistory();
  follower.applied$.subscribe(({ view, readModels }) => {
    if (readModels !== null) applyRatingHistory(ratings, view.header.height, view.header.time, readModels.reputation);
  });
  const hub = createStreamHub({
    blocks$: follower.applied$,
    tree: chain.ledger.tree,
    firstHeight: restoredFrom + 1,
    eventBytesMax: config.api.streamEventBytesMax,
    onEncoded: (event, bytes) => metrics.onStreamEncoded(event, bytes),
  });
  const snapshots = createSnapshotWriter({
    ...c,
    blocks$: follower.blocks$,
    store: c.snapshotStore,
    everyBlocks: config.snapshot.everyBlocks,
    fromHeight: restoredFrom,
  });
  return { follower, hub, ratings, snapshots };
}

/**
 * What signs with the node's key: its signer (one queue for its nonces), the proposer when the
 * genesis names the key among its proposers, the validator. Both read the chain while the node
 * still replays its log as not caught up.
 */
function createSigningServices(
  c: Pick<NodeComponents, 'config' | 'logger' | 'now' | 'key' | 'genesis' | 'log' | 'chain' | 'blocks' | 'follower'>,
  fatal: Fatal,
) {
  const { config, logger, now, key, genesis, log, chain, follower } = c;
  const { ledger } = chain;
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
    readBack: follower,
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
        cutSoon$: follower.quorum$,
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
    ...c,
    address: key.address,
    ledger,
    blocks$: follower.blocks$,
    signer,
    caughtUp,
    pending: () => chain.pending,
    intervalMs: config.block.intervalMs,
  });
  return { signer, proposer, validator, caughtUp };
}

/** Where a shard's reporter finds its decided blocks and their proofs: consensus, or on Kafka the attestations. */
type ReportSource = Pick<ShardReporterComponents, 'height' | 'commits$' | 'certificateOf' | 'powersAt' | 'evidence' | 'equivocation'>;

/**
 * On a validator of a child chain whose config names its parent, the service that reports the
 * chain's decided blocks there. A `parent` on a root chain is a config that cannot work:
 * BAD_CONFIG. A node of the shard that is not among its validators reports nothing (the parent
 * takes reports from validators only).
 */
function createReporterIfShard(
  c: Pick<NodeComponents, 'config' | 'logger' | 'now' | 'key' | 'genesis' | 'genesisHash' | 'blocks'>,
  source: ReportSource,
): ShardReporter | undefined {
  const { config, logger, genesis, key } = c;
  if (config.parent === undefined) return undefined;
  if (genesis.shard === '/') {
    throw new AinError('BAD_CONFIG', 'The config names a parent to report to, but this node runs a root chain (shard /); only a shard reports to a parent.');
  }
  if (!genesis.proposers.includes(key.address)) {
    logger.info({ shard: genesis.shard }, 'not a validator of the shard: its validators report its blocks to the parent');
    return undefined;
  }
  return createShardReporter({ ...c, ...source, logger: logger.child({ service: 'shard reporter' }), parent: config.parent });
}

/** The voting power of each validator of `set`, or null when the ledger no longer keeps it. */
const powersOfSet = (set: ReturnType<typeof votingSetAt>) => (set === null ? null : new Map(set.validators.map((v) => [v.address, BigInt(v.power)])));

/** A peer-to-peer shard's blocks are decided by consensus: its certificates, each checked against the set of its height. */
const consensusReportSource = (ledger: Ledger, consensus: Pick<ConsensusService, 'commits$' | 'certificateOf' | 'addEvidence'>): ReportSource => ({
  height: () => ledger.height,
  commits$: consensus.commits$,
  certificateOf: (height) => consensus.certificateOf(height),
  powersAt: (height) => powersOfSet(votingSetAt(ledger, height)),
  evidence: (evidence) => consensus.addEvidence(evidence),
});

/**
 * A shard on Kafka: its blocks are final once more than 2/3 of the set after them attested them;
 * those attestations (kept with the blocks that counted them) prove a block to the parent, and an
 * equivocation the parent reveals is submitted to the shard's log.
 */
const kafkaReportSource = (ledger: Ledger, blocks: BlockStore, blocks$: Subject<BlockView>, submit: (op: Op) => Promise<unknown>): ReportSource => ({
  height: () => blocks.latest()?.finalized.height ?? 0,
  commits$: blocks$,
  certificateOf: (height) => Promise.resolve(attestationsOf(blocks, height)),
  powersAt: (height) => powersOfSet(votingSetAt(ledger, height + 1)),
  equivocation: async (op) => void (await submit(op)),
});

/**
 * Assembles one node from its services and starts them in dependency order: what is on disk
 * (log, verify pool, chain, block history, Big Storage), then what consumes blocks (snapshots,
 * streams) before the follower that makes them, then what acts on blocks (history rebuild,
 * proposer, validator), the HTTP API last. It stops in reverse: intake first, a last snapshot,
 * the log last.
 */
export async function startNode({ config, logger, now = Date.now, onFatal, chains }: StartNodeOptions): Promise<AinNode> {
  const identity = await loadIdentity(config, logger);
  const { key, genesis, genesisHash } = identity;
  const services = createLifecycle(logger);
  const fatal: Fatal = (what) => (error) => {
    logger.fatal({ err: error }, what);
    onFatal?.(error);
  };
  try {
    const metrics = createNodeMetrics();
    const base = { config, logger, now, metrics, ...identity };
    const stores = await openStores(base, services);
    const { log, pool, chain, restoredFrom, history, blocks } = stores;
    const restoredHash = chain.position.prevHash; // read before the follower moves the chain on
    const { follower, hub, ratings, snapshots } = createBlockServices({ ...base, ...stores }, fatal);
    // The peer-to-peer endpoint, only when the config asks for one.
    const net = config.p2p === undefined ? undefined : await createNetService({ ...base, ...stores }, config.p2p);
    // Big Storage across the network: a blob put on another node is read through the peers.
    const blobAuth = createBlobAuthVerifier();
    const peerBlobs =
      net === undefined
        ? undefined
        : await createPeerBlobService({
            transport: net.transport,
            protocol: protocolOf(genesis.chain, genesis.shard, 'blob'),
            store: stores.blobs,
            auth: blobAuth,
            logger: logger.child({ service: 'peer blobs' }),
          });
    // Functions on HTTP calls: a call meets a worker that takes calls from this node, or goes to the peers.
    const invocations = createInvocationHub();
    const peerCalls =
      net === undefined
        ? undefined
        : await createPeerCallService({
            transport: net.transport,
            protocol: protocolOf(genesis.chain, genesis.shard, 'call'),
            ledger: chain.ledger,
            hub: invocations,
            auth: blobAuth,
            logger: logger.child({ service: 'peer calls' }),
          });
    // On its own file log with peers, a node is a validator of a network: consensus decides every
    // block (and no cut marker or attestation of its own enters the log). On Kafka, Kafka orders.
    const replayUpTo = log.lastOffset();
    const replayed = () => follower.seenOffset >= replayUpTo;
    const network =
      net !== undefined && config.p2p !== undefined && config.log.kind === 'file'
        ? await openConsensusServices({ ...base, ...stores, follower }, net, config.p2p, replayed)
        : undefined;
    if (network === undefined && config.parent !== undefined && config.log.kind !== 'kafka') {
      throw new AinError(
        'BAD_CONFIG',
        'The config names a parent to report to, but the node runs no consensus (it needs p2p and the file log, or the Kafka log): its blocks would have no certificates to report.',
      );
    }
    const { signer, proposer, validator, caughtUp } =
      network === undefined ? createSigningServices({ ...base, ...stores, follower }, fatal) : { ...noSigning, caughtUp: replayed };
    const waitFinal = network?.waitFinal ?? createWaitFinal({ blocks, blocks$: follower.blocks$, proposer, intervalMs: config.block.intervalMs });
    const finalHeight = network?.finalHeight ?? (() => blocks.latest()?.finalized.height ?? 0);
    const ingest =
      network?.mempool.ingest ??
      createIngest({
        log,
        pool,
        readBack: follower,
        admission: bandwidthAdmission(() => chain.ledger, now),
        onSubmitted: (appended, refused) => metrics.onSubmitted(appended, refused),
      });
    const reporter = createReporterIfShard(
      { ...base, ...stores },
      network === undefined
        ? kafkaReportSource(chain.ledger, blocks, follower.blocks$, (op) => signer!.submit(op))
        : consensusReportSource(chain.ledger, network.consensus),
    );
    // GET /v1/net: the node's peers, and on a validator of a network where its consensus stands (and its reports to the parent).
    const netInfo =
      net === undefined
        ? undefined
        : {
            info: () => ({
              ...net.info(),
              ...(network === undefined ? {} : { consensus: network.consensus.status() }),
              ...(reporter === undefined ? {} : { reporting: reporter.status() }),
            }),
          };
    // Workers' progress across the network: a request's stream on any node shows every worker's.
    const progressRelay =
      net === undefined
        ? undefined
        : createProgressGossip({
            transport: net.transport,
            topic: topicOf(genesis.chain, genesis.shard, 'progress'),
            ledger: chain.ledger,
            hub,
            auth: blobAuth,
            logger: logger.child({ service: 'progress gossip' }),
          });
    const shard = {
      path: genesis.shard,
      ...(config.parent === undefined
        ? {}
        : {
            linkOf: createShardProofLinks({
              shard: genesis.shard,
              genesisHash,
              parent: config.parent,
              blocks,
              blocks$: follower.blocks$,
              waitMs: proofLinkWaitMs,
              now: base.now,
            }),
          }),
    };
    const health = createHealthWatch({
      logger,
      now: base.now,
      address: key.address,
      genesisHash,
      log,
      ledger: chain.ledger,
      blocks$: follower.blocks$,
      holdsWork: (height) => follower.holdsWork(height),
      caughtUp,
      ...(network === undefined ? {} : { consensus: network.consensus }),
      ...(net === undefined ? {} : { presence: net.presence, bootstrapAddresses: config.p2p?.bootstrap ?? [] }),
    });
    metrics.watchHealth(() => health.problems());
    const api = createApiService(
      {
        ...base,
        ...stores,
        ingest,
        hub,
        ratings,
        waitFinal,
        finalHeight,
        problems: () => health.problems(),
        net: netInfo,
        blobAuth,
        peerBlobs,
        invocations,
        peerCalls,
        progressRelay,
        shard,
        ...(chains === undefined ? {} : { chains }),
        ...(network === undefined ? {} : { pendingTxs: network.mempool }),
      },
      () => ({
        chain: genesis.chain,
        shard: genesis.shard,
        address: key.address,
        genesis: genesisHash,
        lastOffset: log.lastOffset(),
        maxTxBytes: config.maxTxBytes,
        height: chain.ledger.height,
        finalized: finalHeight(),
        caughtUp: caughtUp(),
        restoredFrom,
      }),
    );

    // Consumers of blocks subscribe before the follower reads a record, and stop after it: the
    // last snapshot is of the chain as the follower left it.
    await services.start('snapshots', snapshots);
    await services.start('streams', { stop: () => hub.close() });
    await services.start('follower', follower);
    // Peers read blocks the follower makes; it stops before the follower and the log, so no
    // request is answered from a chain that no longer moves.
    if (net !== undefined) await services.start('network', net);
    if (network !== undefined) {
      await services.start('mempool', { stop: () => network.mempool.close() });
      await services.start('tx gossip', network.txGossip);
      await services.start('consensus', network.consensus);
    }
    if (reporter !== undefined) await services.start('shard reporter', reporter);
    if (history.missingAtOpen > 0) {
      const rebuild = startHistoryRebuild({ log, genesis, history, upTo: restoredFrom, upToHash: restoredHash, pool, logger });
      await services.start('history rebuild', rebuild);
    }
    if (proposer !== undefined) await services.start('proposer', proposer);
    if (validator !== undefined) await services.start('validator', validator);
    await services.start('health watch', { start: () => health.start(), stop: () => health.stop() });
    await services.start('HTTP API', api);
    logger.info(
      {
        url: api.url,
        address: key.address,
        chain: genesis.chain,
        dataDir: config.dataDir,
        verifier: signatureVerifier(),
        verifyThreads: pool.threads === 0 ? 'none' : pool.threads,
      },
      'node started',
    );

    return {
      key,
      genesis,
      url: api.url,
      blocks$: follower.blocks$,
      blocks,
      ledger: chain.ledger,
      streams: hub,
      waitFinal,
      submit: (op) => {
        if (signer === undefined) {
          throw new AinError(
            'VALIDATOR_SIGNS_BLOCKS_ONLY',
            'This node is a validator of a peer-to-peer network: its key signs its blocks with consensus’s nonces, and the node signs nothing else for you; sign the tx (ain tx sign, any key, this one too) and POST it to /v1/tx.',
          );
        }
        return signer.submit(op);
      },
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
