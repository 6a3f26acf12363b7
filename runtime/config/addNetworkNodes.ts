import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { genesisHashOf, parseGenesisText } from '../../actors/index.ts';
import { generateKeyPair, type KeyPair } from '../../log/index.ts';
import { AinError, isAinError } from '../../schemas/index.ts';
import { readKeyFile, writeKeyFile } from '../keys/index.ts';
import { peerIdOfSeed, peerKeyFileName } from '../net/index.ts';
import { followerConfigOf, networkValidatorsMax, p2pPortOffset, writeNewFile, type InitNetworkNode } from './initNetwork.ts';
import { loadConfig } from './loadConfig.ts';
import { isDirectory, netNodesIn } from './netDirs.ts';

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
  /** The stake of the genesis's first proposer: what a new node's key would stake to weigh as much as a validator of the genesis. */
  readonly validatorStake: string;
  /** Whether the nodes share a Kafka topic (a new node reads it; staked, it attests, and proposes nothing) rather than each keeping its own log. */
  readonly kafka: boolean;
  /** The genesis owner's key file (`D/owner.key`), which holds the supply; null for a shard's directory (no account has a balance there). */
  readonly ownerKey: string | null;
}

/** Nodes a directory holds at most: every one of them is a bootstrap peer of the next (the config takes 64). */
const nodesMax = networkValidatorsMax;

const refuse = (message: string) => new AinError('BAD_CONFIG', message);

/** A file of node `name` the new nodes are made from, as text; BAD_CONFIG naming it when it cannot be read. */
async function fileOf(path: string, name: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw refuse(`${path} cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'}), and ${name}'s files are what a new node is made from.`);
  }
}

/**
 * A key file of a node; BAD_CONFIG naming it when it is missing or not a key, and saying not to
 * make it anew (other nodes know the node by it). An unsafe mode keeps its own error, which says
 * how to mend it.
 */
async function keyOf(path: string, name: string) {
  return readKeyFile(path).catch((cause: unknown) => {
    if (isAinError(cause, 'KEY_FILE_UNSAFE')) throw cause;
    const why = ((cause as { cause?: NodeJS.ErrnoException }).cause?.code ?? '') === 'ENOENT' ? 'does not exist' : 'cannot be read as a key file';
    throw refuse(
      `${path} ${why}; a new node takes ${name}'s address and peer id from it. Restore it: a new key would change ${name}'s identity, which the other nodes' configs name.`,
    );
  });
}

/** A node of the network as its own files say: where it listens (its config, read as the node reads it) and its peer id (its p2p.key). */
async function nodeOf(dir: string, name: string): Promise<InitNetworkNode> {
  const nodeDir = join(dir, name);
  const file = join(nodeDir, 'config.json');
  if (
    !(await access(file).then(
      () => true,
      () => false,
    ))
  ) {
    throw refuse(
      `${file} does not exist: ${nodeDir} is no node of ain net init or ain net add (one that an interrupted ain net add left has keys and no config); move it away and run ain net add again.`,
    );
  }
  const config = await loadConfig({ file, flags: { dataDir: nodeDir } });
  if (config.p2p === undefined) throw refuse(`${file} has no p2p section: a new node could not reach ${name} as a peer.`);
  const [key, peerKey] = await Promise.all([keyOf(join(nodeDir, 'node.key'), name), keyOf(join(nodeDir, peerKeyFileName), name)]);
  const peerId = await peerIdOfSeed(new Uint8Array(Buffer.from(peerKey.privateKey, 'hex')));
  return { name, dir: nodeDir, address: key.address, port: config.port, p2pPort: config.p2p.port, peerId };
}

/** Writes a node's files into a directory of its own beside `dir`, then renames it to `dir`: an interrupted add leaves no half-written node under a node's name. */
async function writeNode(node: InitNetworkNode, key: KeyPair, peerKey: KeyPair, genesisText: string, config: object): Promise<void> {
  const partial = join(node.dir, '..', `.${node.name}.adding`);
  await rm(partial, { recursive: true, force: true });
  try {
    await mkdir(partial, { mode: 0o700 });
    await writeKeyFile(join(partial, 'node.key'), key);
    await writeKeyFile(join(partial, peerKeyFileName), peerKey);
    await writeNewFile(join(partial, 'genesis.json'), genesisText);
    await writeNewFile(join(partial, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    // rename does not replace a directory that holds something; nothing is there (netNodesIn listed it).
    await rename(partial, node.dir);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
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
    throw new AinError(
      'NOT_FOUND',
      (await isDirectory(dir))
        ? `${dir} holds no network ain net init wrote (owner.key or branch.json beside n1, n2, …); ain net add adds nodes to one.`
        : `${dir} is no directory; ain net add adds nodes to the directory ain net init wrote.`,
    );
  }
  if (!Number.isSafeInteger(count) || count < 1 || names.length + count > nodesMax) {
    throw refuse(`${dir} holds ${names.length} nodes and a network holds at most ${nodesMax}: ${count} more cannot be added.`);
  }
  const existing = await Promise.all(names.map((name) => nodeOf(dir, name)));
  const first = existing[0]!;
  const genesisFile = join(first.dir, 'genesis.json');
  const genesisText = await fileOf(genesisFile, first.name);
  const genesis = parseGenesisText(genesisText, genesisFile);
  // n1's config as its file holds it (loadConfig checked it), but `announce`: the addresses n1 is reached at are n1's alone.
  const { p2p: { announce: _announce, ...p2p } = {}, ...rest } = JSON.parse(await fileOf(join(first.dir, 'config.json'), first.name)) as {
    p2p?: Record<string, unknown>;
  } & Record<string, unknown>;
  const template = { ...rest, p2p };

  const last = Number(names.at(-1)!.slice(1));
  // The slot ain net init would have given node `last + 1`: from the first node's port and number (n1's, unless n1 was moved away).
  const firstNumber = Number(first.name.slice(1));
  const start = basePort ?? first.port - (firstNumber - 1) + last;
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
      if (!Number.isSafeInteger(used) || used < 1 || used > 65535) {
        const which = used === port ? 'API port' : `peer port (${p2pPortOffset} above its API port ${port})`;
        const from = basePort === undefined ? `${first.name}'s port plus ${last + i + 1 - firstNumber}` : `--base-port ${basePort}${i > 0 ? ` plus ${i}` : ''}`;
        throw refuse(
          `The ${which} of ${name}, ${used}, is not a port (1 to 65535): it comes from ${from}; give a --base-port whose nodes' ports, and theirs ${p2pPortOffset} above, fit.`,
        );
      }
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

  for (const [i, node] of added.entries()) await writeNode(node, keys[i]![0], keys[i]![1], genesisText, configs[i]!);
  const ownerKey = join(dir, 'owner.key');
  return {
    dir,
    chain: genesis.chain,
    shard: genesis.shard,
    genesisHash: genesisHashOf(genesis),
    existing,
    added,
    validatorStake: genesis.accounts[genesis.proposers[0]!]?.stake ?? '0',
    kafka: (template as { log?: { kind?: string } }).log?.kind === 'kafka',
    ownerKey: (await access(ownerKey).then(
      () => true,
      () => false,
    ))
      ? ownerKey
      : null,
  };
}
