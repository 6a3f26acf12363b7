import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { genesisHashOf, parseGenesis } from '../../actors/index.ts';
import { generateKeyPair, type KeyPair } from '../../log/index.ts';
import { AinError } from '../../schemas/index.ts';
import { readKeyFile, writeKeyFile } from '../keys/index.ts';
import { peerIdOfSeed, peerKeyFileName } from '../net/index.ts';
import { followerConfigOf, networkValidatorsMax, p2pPortOffset, writeNewFile, type InitNetworkNode } from './initNetwork.ts';
import { loadConfig } from './loadConfig.ts';
import { netNodesIn } from './netDirs.ts';

export interface AddNetworkNodesParameters {
  /** The directory `ain net init` wrote (`owner.key` or `branch.json` beside `n1`, `n2` …). */
  readonly dir: string;
  /** How many nodes to add (default 1). */
  readonly count?: number;
  /** The first new node's API port (its peer port p2pPortOffset above); default the next after the last node's, as `ain net init` places them. */
  readonly basePort?: number;
  /** Makes the keys (tests give fixed ones). */
  readonly newKey?: () => KeyPair;
}

export interface AddNetworkNodesReturnType {
  readonly dir: string;
  readonly chain: string;
  readonly shard: string;
  readonly genesisHash: string;
  /** The nodes that were there, then the ones written now. */
  readonly existing: readonly InitNetworkNode[];
  readonly added: readonly InitNetworkNode[];
}

/** Nodes a directory holds at most: every one of them is a bootstrap peer of the next (the config takes 64). */
const nodesMax = networkValidatorsMax;

const refuse = (message: string) => new AinError('BAD_CONFIG', message);

/** A node of the network as its own files say: where it listens (its config, read as the node reads it) and its peer id (its p2p.key). */
async function nodeOf(dir: string, name: string): Promise<InitNetworkNode & { readonly chain: string; readonly shard: string }> {
  const nodeDir = join(dir, name);
  const config = await loadConfig({ file: join(nodeDir, 'config.json'), flags: { dataDir: nodeDir } });
  if (config.p2p === undefined) throw refuse(`${join(nodeDir, 'config.json')} has no p2p section: a new node could not reach ${name} as a peer.`);
  const [key, peerKey] = await Promise.all([readKeyFile(join(nodeDir, 'node.key')), readKeyFile(join(nodeDir, peerKeyFileName))]);
  const peerId = await peerIdOfSeed(new Uint8Array(Buffer.from(peerKey.privateKey, 'hex')));
  return { name, dir: nodeDir, address: key.address, port: config.port, p2pPort: config.p2p.port, peerId, chain: config.chain, shard: config.shard };
}

/**
 * Adds `count` nodes to a network `ain net init` wrote in `dir`, as `nN+1 …`: each with a new node
 * key and peer key (mode 0600), n1's genesis (the same bytes) and n1's config with the node's own
 * API and peer ports and every node there as a bootstrap peer (`/ip4/127.0.0.1/…/p2p/<peer id>`,
 * from each one's own config and p2p.key), not one of the validators' mesh: a follower that joins
 * by catch-up and votes in nothing until its key stakes. The nodes need not be running. Refuses
 * (BAD_CONFIG, NOT_FOUND) a directory with no such network, a node whose files cannot be read,
 * ports another node of it uses, and more than 64 nodes; everything is checked before the first
 * write, and no file is replaced.
 * @example await addNetworkNodes({ dir: 'net' }) // then: ain node --data net/n5
 */
export async function addNetworkNodes({ dir, count = 1, basePort, newKey = generateKeyPair }: AddNetworkNodesParameters): Promise<AddNetworkNodesReturnType> {
  const names = await netNodesIn(dir);
  if (names.length === 0) {
    throw new AinError('NOT_FOUND', `${dir} holds no network ain net init wrote (owner.key or branch.json beside n1, n2, …); ain net add adds nodes to one.`);
  }
  if (!Number.isSafeInteger(count) || count < 1 || names.length + count > nodesMax) {
    throw refuse(`${dir} holds ${names.length} nodes and a network holds at most ${nodesMax}: ${count} more cannot be added.`);
  }
  const existing = await Promise.all(names.map((name) => nodeOf(dir, name)));
  const first = existing[0]!;
  const genesisText = await readFile(join(first.dir, 'genesis.json'), 'utf8');
  let genesisJson: unknown;
  try {
    genesisJson = JSON.parse(genesisText);
  } catch (cause) {
    throw new AinError('BAD_GENESIS', `The genesis file ${join(first.dir, 'genesis.json')} is not valid JSON: ${(cause as Error).message}.`, { cause });
  }
  const genesis = parseGenesis(genesisJson);
  const template = JSON.parse(await readFile(join(first.dir, 'config.json'), 'utf8')) as Record<string, unknown> & { p2p?: object };

  const last = Number(names.at(-1)!.slice(1));
  const start = basePort ?? first.port + last;
  const taken = new Map(existing.flatMap((node) => [[node.port, node.name] as const, [node.p2pPort, node.name] as const]));
  const bootstrap = existing.map((node) => `/ip4/127.0.0.1/tcp/${node.p2pPort}/p2p/${node.peerId}`);
  const keys = Array.from({ length: count }, () => [newKey(), newKey()] as const);
  const added: InitNetworkNode[] = [];
  const configs: object[] = [];
  for (const [i, [key, peerKey]] of keys.entries()) {
    const name = `n${last + i + 1}`;
    const port = start + i;
    const p2pPort = port + p2pPortOffset;
    for (const used of [port, p2pPort]) {
      if (!Number.isSafeInteger(used) || used < 1 || used > 65535) throw refuse(`Port ${used} for ${name} is not a port (1 to 65535); give --base-port.`);
      const holder = taken.get(used);
      if (holder !== undefined) throw refuse(`Port ${used} for ${name} is ${holder}'s already; give --base-port a range no node of ${dir} uses.`);
    }
    const node = {
      name,
      dir: join(dir, name),
      address: key.address,
      port,
      p2pPort,
      peerId: await peerIdOfSeed(new Uint8Array(Buffer.from(peerKey.privateKey, 'hex'))),
    };
    added.push(node);
    configs.push(followerConfigOf(template, { port, p2pPort, bootstrap, dataDir: node.dir, what: `the config of ${name} (from ${first.name}'s)` }));
  }

  for (const [i, node] of added.entries()) {
    await mkdir(node.dir, { mode: 0o700 });
    await writeKeyFile(join(node.dir, 'node.key'), keys[i]![0]);
    await writeKeyFile(join(node.dir, peerKeyFileName), keys[i]![1]);
    await writeNewFile(join(node.dir, 'genesis.json'), genesisText);
    await writeNewFile(join(node.dir, 'config.json'), JSON.stringify(configs[i], null, 2) + '\n');
  }
  const strip = ({ name, dir: nodeDir, address, port, p2pPort, peerId }: InitNetworkNode): InitNetworkNode => ({
    name,
    dir: nodeDir,
    address,
    port,
    p2pPort,
    peerId,
  });
  return { dir, chain: genesis.chain, shard: genesis.shard, genesisHash: genesisHashOf(genesis), existing: existing.map(strip), added };
}
