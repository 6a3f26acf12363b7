import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { acquireDirLock } from '../../log/index.ts';
import { AinError, isAinError, kafkaTopicOf, type Genesis, type NodeConfig } from '../../schemas/index.ts';
import { createVerifyPool } from '../ingest/index.ts';
import { loadOrCreateKeyFile } from '../keys/index.ts';
import { configuredQuotas, firstQuotas, ledgerQuotas, openLocalBlobStore } from '../storage/index.ts';
import { openBlockHistory } from './blockHistory.ts';
import { checkDataDirProtocol, markDataDir, protocolFileName } from './dataDirProtocol.ts';
import { createBlockStore } from './blockStore.ts';
import type { NodeComponents } from './components.ts';
import { loadOrCreateGenesis } from './genesisFile.ts';
import type { Lifecycle } from './lifecycle.ts';
import { openNodeLog } from './openNodeLog.ts';
import { restore } from './restore.ts';
import { createSnapshotStore } from './snapshotStore.ts';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * A node of a network started on the embedded log without its p2p section (a config.json
 * overwritten, `--config` another file) would cut blocks of its own: a fork of its log that no
 * peer decided, which the network's blocks never fit again. Refused when its data dir ran
 * consensus before (its `consensus/` signing record) or its genesis has more than one validator
 * (only a network, or a Kafka cluster, agrees among several).
 */
async function refuseNetworkNodeAlone(config: NodeConfig, genesis: Genesis): Promise<void> {
  if (config.p2p !== undefined || config.log.kind !== 'file') return;
  const validators = Object.values(genesis.accounts).filter((account) => BigInt(account.stake) > 0n).length;
  const ranConsensus = await exists(join(config.dataDir, 'consensus'));
  if (validators <= 1 && !ranConsensus) return;
  throw new AinError(
    'BAD_CONFIG',
    `${config.dataDir} is a node of a network (${ranConsensus ? 'it took part in its consensus' : `its genesis has ${validators} validators`}), but its config has no p2p section: on its own it would make blocks no peer decided, a fork of its log the network's blocks never fit again. Start it with the config ain net init or ain net add wrote (${join(config.dataDir, 'config.json')}), or on its Kafka cluster (--log kafka).`,
    { details: { dataDir: config.dataDir, validators, ranConsensus } },
  );
}

export type Identity = Pick<NodeComponents, 'key' | 'genesis' | 'genesisHash'>;
export type Stores = Pick<NodeComponents, 'log' | 'pool' | 'snapshotStore' | 'chain' | 'restoredFrom' | 'history' | 'blocks' | 'blobs'>;

/** The node's key and genesis; a fresh data dir gets a key and a dev genesis in which that key owns everything. */
export async function loadIdentity(config: NodeConfig, logger: Logger): Promise<Identity> {
  await mkdir(config.dataDir, { recursive: true }).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code !== 'EEXIST' && cause.code !== 'ENOTDIR') throw cause;
    throw new AinError('BAD_CONFIG', `The data dir ${config.dataDir} is a file (or lies under one), not a directory; give a directory for --data.`, { cause });
  });
  const keyFile = join(config.dataDir, 'node.key');
  // A node's first start writes the data dir's marker: from then on the key is that node's identity
  // (a validator's stake, votes and signing record are that key's), never made again.
  if (!(await exists(keyFile)) && (await exists(join(config.dataDir, protocolFileName)))) {
    throw new AinError(
      'KEY_MISSING',
      `${keyFile} does not exist, but a node ran on ${config.dataDir} (its ${protocolFileName} says so): that node's identity is its key, and a new one would be another node's (a validator would lose its stake and its votes). Restore node.key from a backup; to start a new node instead, move this data dir away (only a data dir no node has started on gets a new key).`,
      { details: { keyFile } },
    );
  }
  const { key, created } = await loadOrCreateKeyFile(keyFile);
  if (created) logger.info({ address: key.address }, 'created node key');
  const file = config.genesis ?? join(config.dataDir, 'genesis.json');
  // Its chain is the genesis it began with: a dev genesis written in its place would be another chain's.
  if (config.genesis === undefined && !(await exists(file)) && (await exists(join(config.dataDir, protocolFileName)))) {
    throw new AinError(
      'BAD_GENESIS',
      `${file} does not exist, but a node ran on ${config.dataDir} (its ${protocolFileName} says so): its chain is the genesis it began with, and a new dev genesis would be another chain's. Restore genesis.json from a backup or from another node of its network (the same bytes as every node's), or give it with --genesis; to start a new chain instead, give a new --data dir.`,
      { details: { file } },
    );
  }
  const { genesis, hash, created: newChain } = await loadOrCreateGenesis(file, key.address, config, config.genesis === undefined);
  if (newChain) logger.info({ file, chain: genesis.chain }, 'wrote a dev genesis: this node owns /, proposes, validates and holds the supply');
  await refuseNetworkNodeAlone(config, genesis);
  return { key, genesis, genesisHash: hash };
}

/**
 * The refusal of a Kafka node whose data dir holds blocks of its chain past the topic's end: the
 * topic (or the broker cluster) is not the one it was on — a typo in --topic or --brokers, a topic
 * recreated. Folding it from there would make a second chain of this genesis beside the first, and
 * a validator's attestations of it would contradict its first ones (evidence that burns its stake).
 */
function pastTopicEnd(config: NodeConfig, genesisHash: string, lastOffset: number) {
  const settings = config.log as Extract<NodeConfig['log'], { kind: 'kafka' }>;
  const topic = settings.topic ?? kafkaTopicOf(config.chain, config.shard, genesisHash);
  return ({ height, lastOffset: blockEnd }: { readonly height: number; readonly lastOffset: number }) =>
    new AinError(
      'LOG_BEHIND_DATA_DIR',
      `The data dir ${config.dataDir} holds block ${height} of this chain, which ends at offset ${blockEnd} of its Kafka log, but topic ${topic} on ${settings.brokers.join(',')} ends at offset ${lastOffset}: it is not the topic this node was on (check --topic and --brokers), or it was recreated. The node does not start a second chain of this genesis there, whose attestations would contradict its first ones; point it at its topic, or give a new --data dir for a new chain.`,
      { details: { dataDir: config.dataDir, topic, height, blockEnd, topicEnd: lastOffset } },
    );
}

/**
 * Opens what the node keeps on disk, in dependency order, each held by `services` as soon as it
 * is open: the log, the verify pool, the chain restored from its newest usable snapshot, the
 * block history that fits it, Big Storage.
 */
export async function openStores(c: Pick<NodeComponents, 'config' | 'logger' | 'metrics'> & Identity, services: Lifecycle): Promise<Stores> {
  const { config, logger, metrics, key, genesis, genesisHash } = c;
  // A file log locks its directory; a node on Kafka locks its data dir, so a second process on it
  // (the same validator key twice, writing one dir's snapshots and history) is refused.
  if (config.log.kind === 'kafka') {
    const lock = await acquireDirLock(config.dataDir).catch((error: unknown) => {
      if (!isAinError(error, 'LOG_LOCKED')) throw error;
      const pid = error.details?.pid;
      throw new AinError(
        'DATA_DIR_LOCKED',
        `The data dir ${config.dataDir} is in use by ${pid === undefined ? 'another process' : `process ${String(pid)}`}, a node running on it: stop that one first, or give another data dir. If no node runs there, a crash left ${String(error.details?.lockFile ?? 'its LOCK file')} behind with a process id now another's: remove it.`,
        { details: { ...error.details, dataDir: config.dataDir }, cause: error },
      );
    });
    await services.start('data dir lock', { stop: () => lock.release() });
  }
  const rawLog = await openNodeLog(config, key.address, genesisHash, logger);
  await services.start('log', { stop: () => rawLog.close() });
  // A data dir of an earlier protocol is refused whatever else it lost (its history, its snapshots).
  const marked = await checkDataDirProtocol({
    dataDir: config.dataDir,
    genesis: genesisHash,
    ownLogHasRecords: config.log.kind === 'file' && rawLog.lastOffset() >= 0,
  });
  const log = metrics.timed(rawLog);
  const pool = createVerifyPool({ chain: config.chain, shard: config.shard, maxTxBytes: config.maxTxBytes, threads: config.verifyThreads });
  await services.start('verify pool', { stop: () => pool.close() });

  const snapshotStore = createSnapshotStore(join(config.dataDir, 'snapshots'), config.snapshot.keep);
  const pastLog = config.log.kind === 'kafka' ? pastTopicEnd(config, genesisHash, log.lastOffset()) : undefined;
  const { chain, fromHeight } = await restore(snapshotStore, genesis, log.lastOffset(), logger, pastLog);
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
    ...(pastLog === undefined ? {} : { pastLog }),
  });
  await services.start('block history', { stop: () => history.close() });
  // Marked once its history passed too (on Kafka the history is what says the chain is older), before anything appends.
  if (!marked) await markDataDir(config.dataDir, genesisHash);
  const { cacheBlocksMax, cacheTxsMax, rangeBlocksMax, rangeTxsMax } = config.history;
  const blocks = createBlockStore({ blocksMax: cacheBlocksMax, txsMax: cacheTxsMax, rangeBlocksMax, rangeTxsMax, history });

  const blobs = await openLocalBlobStore({
    dir: join(config.dataDir, 'blobs'),
    // The operator's grants first, then what reserveStorage txs naming this node bought on the ledger.
    quotas: firstQuotas(
      configuredQuotas(config.storage.reservations, key.address),
      ledgerQuotas(() => chain.ledger.tree, key.address),
    ),
    gcIntervalMs: 60_000,
  });
  await services.start('blob store', { stop: () => blobs.close() });
  return { log, pool, snapshotStore, chain, restoredFrom: fromHeight, history, blocks, blobs };
}
