import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { readNonce, type StateTree } from '../../projections/index.ts';
import { defaultConsensusConfig, shardRulesInForce, type ConsensusConfig } from '../../actors/index.ts';
import { AinError, type Genesis, type NodeConfig } from '../../schemas/index.ts';
import { createConsensusService, type ConsensusService } from '../consensus/index.ts';
import { bandwidthRefusal } from '../ingest/index.ts';
import { createTxGossip, openMempool, type Mempool, type TxGossip } from '../mempool/index.ts';
import type { NodeComponents } from './components.ts';
import type { NetService } from './netService.ts';
import type { WaitFinal } from './waitFinal.ts';

type P2pConfig = NonNullable<NodeConfig['p2p']>;

export type ConsensusComponents = Pick<
  NodeComponents,
  'config' | 'logger' | 'now' | 'key' | 'genesis' | 'log' | 'pool' | 'chain' | 'blocks' | 'follower' | 'metrics'
>;

/**
 * A shard's round timeouts are its rules in force (the branch's, or the last `shardRules` change
 * in force; each round adds `roundDeltaMs` to every step's); a root chain runs the defaults.
 * @example consensusConfigOf(genesis, chain.ledger.tree).timeouts.proposeMs
 */
export function consensusConfigOf(genesis: Genesis, tree: StateTree): ConsensusConfig {
  const rules = shardRulesInForce(tree, genesis);
  if (rules === null) return defaultConsensusConfig;
  const { proposeMs, prevoteMs, precommitMs, roundDeltaMs } = rules.timeouts;
  const timeouts = {
    ...defaultConsensusConfig.timeouts,
    proposeMs,
    proposeDeltaMs: roundDeltaMs,
    prevoteMs,
    prevoteDeltaMs: roundDeltaMs,
    precommitMs,
    precommitDeltaMs: roundDeltaMs,
  };
  return { ...defaultConsensusConfig, timeouts };
}

/** How far ahead of a validator's clock a proposed block's time may be. */
const clockDriftMs = 10_000;

export interface ConsensusServices {
  readonly mempool: Mempool;
  readonly txGossip: TxGossip;
  readonly consensus: ConsensusService;
  /** Final is decided: a block is final once this node holds its certificate. */
  readonly waitFinal: WaitFinal;
  /**
   * The newest final block this node has applied: the newest it holds a certificate of, one block
   * ahead of what its blocks record as final (the ledger folds a block's certificate with the next
   * block's commit; on an idle chain the next block may be long in coming).
   */
  readonly finalHeight: () => number;
}

/**
 * What a validator of a peer-to-peer network runs besides the node's own parts: the mempool
 * (where `POST /v1/tx` puts txs, journaled), the gossip of txs, and consensus, which appends
 * only decided blocks to the node's log. The follower then folds them as on any node.
 * @example const { mempool, consensus } = await openConsensusServices(components, net, config.p2p)
 */
export async function openConsensusServices(c: ConsensusComponents, net: NetService, p2p: P2pConfig, caughtUp: () => boolean): Promise<ConsensusServices> {
  const { config, logger, genesis, chain, follower } = c;
  const ledgerNonce = (address: string) => readNonce(chain.ledger.tree, address).nonce;
  const mempool = await openMempool({
    dir: join(config.dataDir, 'mempool'),
    pool: c.pool,
    limits: p2p.mempool,
    ledgerNonce,
    landedAt: (hash) => c.blocks.findTx(hash)?.offset,
    bandwidth: (tx, queued) => bandwidthRefusal(chain.ledger, tx, queued, c.now()),
    fsync: config.log.kind === 'file' ? config.log.fsync : undefined,
    maxRecordBytes: config.maxTxBytes + 1024,
    logger: logger.child({ service: 'mempool' }),
    onSubmitted: (appended, refused) => c.metrics.onSubmitted(appended, refused),
    gapWaitMs: p2p.mempool.gapWaitMs,
    now: c.now,
  });
  const txGossip = createTxGossip({
    transport: net.transport,
    chain: genesis.chain,
    shard: genesis.shard,
    mempool,
    regossipMs: p2p.mempool.regossipMs,
    regossipTxsMax: p2p.mempool.regossipTxsMax,
    directPeers: net.validatorMesh,
    logger: logger.child({ service: 'tx gossip' }),
  });
  // What a block included leaves the mempool, with what it made stale (nonces the ledger spent):
  // only its txs' senders' nonces moved, so only they are looked at.
  follower.included$.subscribe(({ hashes, senders }) => mempool.prune(hashes, senders));
  const consensus = await createConsensusService({
    logger: logger.child({ service: 'consensus' }),
    now: c.now,
    key: c.key,
    genesis,
    dataDir: config.dataDir,
    log: c.log,
    blockStore: c.blocks,
    chain,
    blocks$: follower.blocks$,
    readBack: follower,
    arriving: (refs) => txGossip.arriving(refs),
    transport: net.transport,
    // Without verify threads a block's records the mempool lacks are checked by the block's check
    // on this thread: the pool would check them on the same thread, later, then the check again.
    ...(c.pool.threads === 0 ? {} : { verify: (texts: readonly string[]) => c.pool.verify(texts) }),
    mempool: {
      get size() {
        return mempool.stats.txs;
      },
      has: (hash) => mempool.has(hash),
      recordOf: (hash) => mempool.recordOf(hash),
      heldByRef: (ref) => mempool.byRef(ref),
      hasReady: () => mempool.hasReady(),
      take: (options) => mempool.take(options),
    },
    caughtUp,
    answers: (address) => net.presence.of(address)?.reachable,
    config: consensusConfigOf(genesis, chain.ledger.tree),
    // A shard's rules may change by a tx on its chain: each height starts with the ones in force.
    timeoutsAt: genesis.branch === undefined ? undefined : () => consensusConfigOf(genesis, chain.ledger.tree).timeouts,
    limits: { maxTxs: genesis.block.maxTxs, maxBytes: genesis.block.maxBytes, clockDriftMs, idleCheckMs: Math.min(100, config.block.intervalMs) },
  });
  const finalHeight = () => Math.max(c.blocks.latest()?.finalized.height ?? 0, Math.min(consensus.status().lastCommit?.height ?? 0, chain.ledger.height));
  c.metrics.watchNetwork({
    finalHeight,
    consensus: () => consensus.status(),
    commits$: consensus.commits$,
    mempool: () => mempool.stats,
    peers: () => net.transport.peers().length,
    figures: () => consensus.figures(),
  });
  const waitFinal: WaitFinal = async (height, timeoutMs = Math.max(5000, 3 * config.block.intervalMs)) => {
    const held = () => (consensus.status().lastCommit?.height ?? 0) >= height;
    if (held()) return;
    try {
      await firstValueFrom(
        consensus.commits$.pipe(
          filter((commit) => commit.height >= height),
          timeout(timeoutMs),
        ),
      );
    } catch (cause) {
      if (held()) return;
      throw new AinError(
        'NOT_FINAL',
        `Block ${height} is not decided yet (the last decided is ${consensus.status().lastCommit?.height ?? 0}); retry shortly.`,
        { cause },
      );
    }
  };
  return { mempool, txGossip, consensus, waitFinal, finalHeight };
}
