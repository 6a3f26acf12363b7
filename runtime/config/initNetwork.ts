import { mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { genesisHashOf, networkGenesis } from '../../actors/index.ts';
import { generateKeyPair, type KeyPair } from '../../log/index.ts';
import {
  AinError,
  ChainId,
  NodeConfig,
  fromZodError,
  kafkaTopicOf,
  safeParse,
  type Genesis,
  type NodeConfigInput,
  type StorageReservations,
} from '../../schemas/index.ts';
import { writeKeyFile } from '../keys/index.ts';
import { peerIdOfSeed, peerKeyFileName } from '../net/index.ts';

/** Validators one `ain net init` writes at most: the genesis lists at most 64 proposers. */
export const networkValidatorsMax = 64;
/** Node i's peer port is its API port plus this. */
export const p2pPortOffset = 1000;
/** Where the nodes' API ports start when no base port is given (node 1 answers where `ain` looks by default). */
export const defaultBasePort = 8080;

export interface InitNetworkParameters {
  /** A new or empty directory; `n1 … nN` and `owner.key` are written into it. */
  readonly dir: string;
  readonly validators: number;
  readonly chain?: string;
  /** Each node's own file log (default), or one shared Kafka topic. */
  readonly log?: NetworkLog;
  /** Node i answers HTTP on `basePort + i − 1` and peers on that plus p2pPortOffset. */
  readonly basePort?: number;
  /** Makes the keys (tests give fixed ones). */
  readonly newKey?: () => KeyPair;
  /** Big Storage room every node grants these addresses, beside the dev grant (`ain up`: its workers' run logs). */
  readonly reservations?: StorageReservations;
}

export interface InitNetworkNode {
  readonly name: string;
  readonly dir: string;
  readonly address: string;
  readonly port: number;
  readonly p2pPort: number;
  /** The libp2p peer id of its `p2p.key`. */
  readonly peerId: string;
}

export interface InitNetworkReturnType {
  readonly dir: string;
  readonly chain: string;
  readonly genesisHash: string;
  /** The genesis key: owns `/` and holds the spendable supply. */
  readonly owner: { readonly address: string; readonly file: string };
  readonly nodes: readonly InitNetworkNode[];
  /** The shared topic, when the nodes share a Kafka log. */
  readonly topic?: string;
}

/** The refusal for a directory that holds something: nothing there is ever overwritten. */
export async function checkEmptyDir(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new AinError('DIR_NOT_EMPTY', `${dir} is a file, not a directory; name a new or empty directory for the network.`, { cause });
    throw cause;
  }
  if (entries.length > 0) {
    throw new AinError(
      'DIR_NOT_EMPTY',
      `${dir} already holds ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); ain net init writes only into a new or empty directory, so no key or chain is overwritten.`,
      { details: { dir, entries: entries.length } },
    );
  }
}

/** Writes a new file, refusing to replace one (the directory was checked empty, but another process may write there too). */
export async function writeNewFile(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function checkParameters(validators: number, basePort: number): void {
  if (!Number.isSafeInteger(validators) || validators < 1 || validators > networkValidatorsMax) {
    throw new AinError('BAD_CONFIG', `A network has 1 to ${networkValidatorsMax} validators, not ${validators}.`);
  }
  const highest = basePort + validators - 1 + p2pPortOffset;
  if (!Number.isSafeInteger(basePort) || basePort < 1 || basePort > 65535) {
    throw new AinError(
      'BAD_CONFIG',
      `The base port ${basePort} is not a port: give 1 to 65535 (the first node's API port; its peer port is ${p2pPortOffset} above it).`,
    );
  }
  if (highest > 65535) {
    throw new AinError(
      'BAD_CONFIG',
      `The base port ${basePort} leaves no room for ${validators} nodes: ports ${basePort}…${highest} are used (API ports from the base, peer ports ${p2pPortOffset} above them), and ports end at 65535.`,
    );
  }
}

/** The log the nodes of a network share, as asked: each its own file log, or one Kafka topic (kafkaTopicOf's unless named). */
export type NetworkLog = { readonly kind: 'file' } | { readonly kind: 'kafka'; readonly brokers: readonly string[]; readonly topic?: string };

/** The nodes' log config for `log` (none for the file log, the default) and the Kafka topic they share, for the chain of `genesisHash`. */
export function sharedLogOf(log: NetworkLog, chain: string, shard: string, genesisHash: string): { topic?: string; logConfig?: NodeConfigInput['log'] } {
  if (log.kind === 'file') return {};
  const topic = log.topic ?? kafkaTopicOf(chain, shard, genesisHash);
  return { topic, logConfig: { kind: 'kafka', brokers: [...log.brokers], topic } };
}

/** What a shard's nodes' configs add: the shard, its block interval, the parent nodes to report to. */
export type ShardConfigFields = Pick<NodeConfigInput, 'shard' | 'block' | 'parent'>;

/** Node i's config file, checked against NodeConfig as `ain node --data` will load it. */
export function nodeConfigOf(
  i: number,
  nodes: readonly InitNetworkNode[],
  {
    chain,
    log,
    shard,
    reservations = {},
  }: { chain: string; log: NodeConfigInput['log'] | undefined; shard?: ShardConfigFields; reservations?: StorageReservations },
): Omit<NodeConfigInput, 'dataDir'> {
  const self = nodes[i]!;
  const config: Omit<NodeConfigInput, 'dataDir'> = {
    chain,
    ...shard,
    port: self.port,
    p2p: {
      port: self.p2pPort,
      bootstrap: nodes.filter((_, j) => j !== i).map((peer) => `/ip4/127.0.0.1/tcp/${peer.p2pPort}/p2p/${peer.peerId}`),
      // Every node written here is a validator with all the others as its bootstrap peers.
      validatorMesh: true,
    },
    // The nodes written here share one machine (their peers are on 127.0.0.1): each checks txs on
    // its own thread, as `ain up`'s do, where verify threads would take turns on the same cores.
    verifyThreads: 'none',
    ...(log === undefined ? {} : { log }),
    // Room comes from reserveStorage txs (every validator sells it in the genesis); `reservations` adds an operator's own grants.
    ...(Object.keys(reservations).length === 0 ? {} : { storage: { reservations } }),
  };
  const parsed = safeParse(NodeConfig, { ...config, dataDir: self.dir });
  if (!parsed.success) throw new AinError('BAD_CONFIG', fromZodError(parsed.error, `the config of ${self.name}`).message);
  return config;
}

/**
 * The config of a node that joins a network by catch-up (`ain net add`, `ain deploy scale`):
 * another node's config (`template`, as its file holds it) with this node's own ports and
 * `bootstrap` peers, not one of the validators that keep each other as bootstrap peers (it
 * forwards what it takes); checked against NodeConfig as `ain node` will load it (BAD_CONFIG
 * naming `what`).
 */
export function followerConfigOf(
  template: Readonly<Record<string, unknown>> & { readonly p2p?: object },
  { port, p2pPort, bootstrap, dataDir, what }: { port: number; p2pPort: number; bootstrap: readonly string[]; dataDir: string; what: string },
): Record<string, unknown> {
  const config = { ...template, port, p2p: { ...template.p2p, port: p2pPort, bootstrap: [...bootstrap], validatorMesh: false } };
  const parsed = safeParse(NodeConfig, { ...config, dataDir });
  if (!parsed.success) throw new AinError('BAD_CONFIG', fromZodError(parsed.error, what).message);
  return config;
}

/** The keys and places of a network's nodes, made before anything is written. */
export interface NewNodes {
  readonly keys: readonly KeyPair[];
  readonly peerKeys: readonly KeyPair[];
  readonly nodes: readonly InitNetworkNode[];
}

/**
 * A node key and a peer key per validator, and where each node lives and listens. A peer key is
 * an ain key file like the node's own (its private key is the Ed25519 seed), made here rather
 * than by loadPeerSeed so every config, which names the peer ids, is checked before the first write.
 */
export async function newNodes({
  dir,
  validators,
  basePort,
  newKey,
}: {
  dir: string;
  validators: number;
  basePort: number;
  newKey: () => KeyPair;
}): Promise<NewNodes> {
  const keys = Array.from({ length: validators }, () => newKey());
  const peerKeys = Array.from({ length: validators }, () => newKey());
  const peerIds = await Promise.all(peerKeys.map((key) => peerIdOfSeed(new Uint8Array(Buffer.from(key.privateKey, 'hex')))));
  const nodes: InitNetworkNode[] = keys.map((key, i) => ({
    name: `n${i + 1}`,
    dir: join(dir, `n${i + 1}`),
    address: key.address,
    port: basePort + i,
    p2pPort: basePort + i + p2pPortOffset,
    peerId: peerIds[i]!,
  }));
  return { keys, peerKeys, nodes };
}

/** Writes each node's dir (mode 0700): its keys (0600), the genesis (the same bytes in each) and its config. */
export async function writeNodes({ keys, peerKeys, nodes }: NewNodes, genesis: Genesis, configs: readonly object[]): Promise<void> {
  const genesisText = JSON.stringify(genesis, null, 2) + '\n';
  for (const [i, node] of nodes.entries()) {
    await mkdir(node.dir, { mode: 0o700 });
    await writeKeyFile(join(node.dir, 'node.key'), keys[i]!);
    await writeKeyFile(join(node.dir, peerKeyFileName), peerKeys[i]!);
    await writeNewFile(join(node.dir, 'genesis.json'), genesisText);
    await writeNewFile(join(node.dir, 'config.json'), JSON.stringify(configs[i], null, 2) + '\n');
  }
}

/**
 * Writes the files of a local network of `validators` nodes into `dir`: `owner.key` (the genesis
 * key) and per node `nI/node.key` and `nI/p2p.key` (its libp2p identity, as `loadPeerSeed` reads
 * it; both mode 0600), `nI/genesis.json` (the same bytes in each: equal
 * stake for every validator, all of them proposers) and `nI/config.json` (its API port, its peer
 * port and the others as bootstrap peers, each address ending in `/p2p/<peer id>`, the shared Kafka log when asked, and the
 * operator's own Big Storage grants when `reservations` names some: every validator sells room in the genesis). Refuses a
 * directory that is not empty (DIR_NOT_EMPTY); everything is checked before the first write.
 * @example await initNetwork({ dir: 'net', validators: 3 }) // then: ain node --data net/n1
 */
export async function initNetwork({
  dir,
  validators,
  chain = 'ain-local',
  log = { kind: 'file' },
  basePort = defaultBasePort,
  newKey = generateKeyPair,
  reservations,
}: InitNetworkParameters): Promise<InitNetworkReturnType> {
  checkParameters(validators, basePort);
  if (!safeParse(ChainId, chain).success) {
    throw new AinError(
      'BAD_CONFIG',
      `The chain id "${chain}" is not valid: it must be 1-64 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit.`,
    );
  }
  await checkEmptyDir(dir);
  const owner = newKey();
  const { keys, peerKeys, nodes } = await newNodes({ dir, validators, basePort, newKey });
  const genesis = networkGenesis(
    keys.map((k) => k.address),
    { chain, owner: owner.address },
  );
  const genesisHash = genesisHashOf(genesis);
  const { topic, logConfig } = sharedLogOf(log, chain, genesis.shard, genesisHash);
  const configs = nodes.map((_, i) => nodeConfigOf(i, nodes, { chain, log: logConfig, reservations }));

  await mkdir(dir, { recursive: true });
  await writeKeyFile(join(dir, 'owner.key'), owner);
  await writeNodes({ keys, peerKeys, nodes }, genesis, configs);
  return {
    dir,
    chain,
    genesisHash,
    owner: { address: owner.address, file: join(dir, 'owner.key') },
    nodes,
    ...(topic === undefined ? {} : { topic }),
  };
}
