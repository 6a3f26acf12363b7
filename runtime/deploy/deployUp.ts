import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Docker from 'dockerode';

import { signTx } from '../../log/index.ts';
import { AinError } from '../../schemas/index.ts';
import { postTx } from '../client/index.ts';
import { defaultBasePort, initNetwork, p2pPortOffset } from '../config/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { byNodeNumber, containerName, deployLabels, labelsOf, nodeOfLabels, nodeUrl, volumeName, type DeployedNode } from './deployedNode.ts';
import { connectEngine, inspectContainer, onEngine } from './engine.ts';
import { ensureNodeImage, nodeDataDir, pruneNodeImages, type NodeImageReturnType } from './nodeImage.ts';
import { checkNoOwnerKey, keepOwnerKey, ownerKeyFile } from './ownerKey.ts';
import { seedVolumes } from './seedVolumes.ts';
import { waitFinal, waitHealthy, waitPeers } from './waitNodes.ts';

/** What `ain deploy up` goes through, in order. */
export type DeployUpStep = 'engine' | 'image' | 'volumes' | 'containers' | 'health' | 'final';

/** Nodes a new network gets without `--nodes`. */
export const defaultDeployNodes = 4;
/** Nodes one deployed network has at most. */
export const deployNodesMax = 16;

export interface DeployUpParameters {
  /** The engine; `DOCKER_HOST` or /var/run/docker.sock by default. */
  readonly docker?: Docker;
  readonly name: string;
  /** How many validators a new network gets (default 4); for a deployed one, what it must have. */
  readonly nodes?: number;
  /** Node i's API port is this plus i − 1 (default 8080), its peer port 1000 above; for a deployed one, what it must be. */
  readonly basePort?: number;
  readonly chain?: string;
  /** Where the genesis owner's key (owner.key, mode 0600) is written for a new network. */
  readonly stateDir: string;
  /** Bound on each wait: the image, health, peers, finality. 180 s by default. */
  readonly timeoutMs?: number;
  readonly step?: (step: DeployUpStep) => void;
  readonly say?: (line: string) => void;
}

/** What up did to a node's container. */
export type DeployAction = 'created' | 'started' | 'replaced' | 'unchanged';

export interface DeployUpReturnType {
  readonly name: string;
  readonly chain: string;
  readonly image: NodeImageReturnType;
  /** The genesis owner's key file, when this machine has it. */
  readonly ownerKey?: string;
  readonly nodes: readonly (DeployedNode & { readonly url: string; readonly container: string; readonly action: DeployAction })[];
  /** The final height every node holds. */
  readonly finalized: number;
}

/**
 * `ain deploy up`: a network of validators as containers of the node image, on the host's
 * network at 127.0.0.1. The first time, `ain net init` writes the network's files, each node's
 * into its named volume, and the owner's key into `stateDir`; then every node's container is
 * made (or started, or remade when the image's content changed) with a read-only root, a tmpfs
 * /tmp, no capabilities, the node's user, and restart unless stopped. It waits until every
 * container is healthy, every node sees the others, and all hold the same final block (a new
 * chain's first comes from a tx of the owner that opens `/apps/deploy/$user` to each user).
 * Running it again changes nothing; it restarts a container that was stopped or killed.
 * @example const up = await deployUp({ name: 'ain', nodes: 4, stateDir: '.data/deploy/ain' })
 */
export async function deployUp(parameters: DeployUpParameters): Promise<DeployUpReturnType> {
  const { name, stateDir, step = () => undefined, say = () => undefined } = parameters;
  const timeoutMs = parameters.timeoutMs ?? 180_000;
  step('engine');
  const docker = await connectEngine(parameters.docker ?? new Docker());
  step('image');
  const image = await onEngine('building the node image', () => ensureNodeImage({ docker, say }));
  say(`${image.tag} (${image.built ? 'built' : 'cached'})`);

  step('volumes');
  let nodes = await deployedNodes(docker, name);
  if (nodes.length === 0) {
    nodes = await initVolumes(docker, parameters);
    say(
      `${nodes.length} validators for chain ${nodes[0]!.chain}: each node's keys, genesis and config in its volume; the owner's key in ${ownerKeyFile(stateDir)}`,
    );
  } else {
    checkSame(nodes, parameters);
    say(`the volumes of ${nodes.length} nodes are there (chain ${nodes[0]!.chain})`);
  }

  step('containers');
  const actions = await Promise.all(nodes.map((node) => upContainer(docker, node, image)));
  for (const [i, node] of nodes.entries()) say(`${containerName(name, node.node)}: ${actions[i]}`);
  await pruneNodeImages(docker, image);

  step('health');
  await Promise.all(nodes.map((node) => waitHealthy(docker, node, timeoutMs)));
  say(`${nodes.length} containers healthy`);

  step('final');
  await waitPeers(docker, nodes, timeoutMs);
  const owner = await readKeyFile(ownerKeyFile(stateDir)).catch(() => undefined);
  const firstTx =
    owner === undefined
      ? undefined
      : async () => {
          const now = Date.now();
          const op = { type: 'set_rule', path: '/apps/deploy/$user', value: { write: 'auth.addr == $user' } } as const;
          await postTx(nodeUrl(nodes[0]!), signTx({ key: owner, op, nonce: now, time: now, chain: nodes[0]!.chain, shard: nodes[0]!.shard }));
          say('a new chain: the owner opens /apps/deploy/$user to each user (the first block)');
        };
  const finalized = await waitFinal(docker, nodes, timeoutMs, firstTx);
  say(finalized === 0 ? 'no block yet, and no owner key here to send a first tx' : `every node is final up to block ${finalized}`);
  return {
    name,
    chain: nodes[0]!.chain,
    image,
    ...(owner === undefined ? {} : { ownerKey: ownerKeyFile(stateDir) }),
    nodes: nodes.map((node, i) => ({ ...node, url: nodeUrl(node), container: containerName(name, node.node), action: actions[i]! })),
    finalized,
  };
}

/** The nodes of a deployed network, from its volumes' labels (n1 first); none when nothing is deployed under that name. */
export async function deployedNodes(docker: Docker, name: string): Promise<DeployedNode[]> {
  const { Volumes } = await onEngine('listing volumes', () =>
    docker.listVolumes({ filters: { label: [`${deployLabels.net}=${name}`, `${deployLabels.kind}=node`] } }),
  );
  return (Volumes ?? []).map((volume) => nodeOfLabels(volume.Labels, `The volume ${volume.Name}`)).sort(byNodeNumber);
}

/** A deployed network is reused only as it is: other counts, ports or chains are a DEPLOY_CONFLICT. */
function checkSame(nodes: readonly DeployedNode[], { name, nodes: count, basePort, chain }: DeployUpParameters): void {
  const differs = (what: string, asked: string | number, has: string | number) => {
    throw new AinError(
      'DEPLOY_CONFLICT',
      `The network ${name} is deployed with ${what} ${has}, not ${asked}; run ain deploy up without it, or ain deploy down --volumes ${name === 'ain' ? '' : `--name ${name} `}first (its chain is lost), or use another --name.`,
    );
  };
  if (count !== undefined && count !== nodes.length) differs('--nodes', count, nodes.length);
  if (basePort !== undefined && basePort !== nodes[0]!.port) differs('--port-base', basePort, nodes[0]!.port);
  if (chain !== undefined && chain !== nodes[0]!.chain) differs('--chain', chain, nodes[0]!.chain);
}

/** A new network: `ain net init` into a temp dir, each node's files into its volume, the owner's key into the state dir. */
async function initVolumes(
  docker: Docker,
  { name, nodes: count = defaultDeployNodes, basePort = defaultBasePort, chain, stateDir }: DeployUpParameters,
): Promise<DeployedNode[]> {
  if (!Number.isSafeInteger(count) || count < 1 || count > deployNodesMax)
    throw new AinError('BAD_CONFIG', `A deployed network has 1 to ${deployNodesMax} nodes, not ${count}.`);
  const ports = Array.from({ length: count }, (_, i) => [basePort + i, basePort + i + p2pPortOffset]).flat();
  await checkPortsFree(ports, name);
  await checkNoOwnerKey(stateDir);
  const dir = await mkdtemp(join(tmpdir(), 'ain-deploy-'));
  try {
    const net = await initNetwork({ dir: join(dir, 'net'), validators: count, basePort, ...(chain === undefined ? {} : { chain }) });
    const nodes = net.nodes.map((node): DeployedNode => ({
      net: name,
      node: node.name,
      chain: net.chain,
      shard: '/',
      address: node.address,
      role: 'validator',
      port: node.port,
      p2pPort: node.p2pPort,
    }));
    await seedVolumes(
      docker,
      nodes,
      net.nodes.map((node) => node.dir),
    );
    await keepOwnerKey(net.owner.file, stateDir);
    return nodes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Brings one node's container to running on the current image; says what it did. */
async function upContainer(docker: Docker, node: DeployedNode, image: NodeImageReturnType): Promise<DeployAction> {
  const name = containerName(node.net, node.node);
  let info = await inspectContainer(docker, name);
  let replaced = false;
  if (info !== undefined && info.Config.Labels?.[deployLabels.appHash] !== image.hash) {
    await onEngine(`stopping ${name} to run the new image`, () => docker.getContainer(name).stop({ t: 30 }).catch(ignoreNotRunning));
    await onEngine(`removing ${name}`, () => docker.getContainer(name).remove());
    info = undefined;
    replaced = true;
  }
  if (info?.State.Running === true) return 'unchanged';
  await checkPortsFree([node.port, node.p2pPort], node.net, node.node);
  if (info === undefined) {
    await onEngine(`creating ${name}`, () => docker.createContainer(containerSpec(node, image)));
  }
  await onEngine(`starting ${name}`, () => docker.getContainer(name).start());
  return replaced ? 'replaced' : info === undefined ? 'created' : 'started';
}

/** A node's container: the host's network (ports on 127.0.0.1), its volume at /data, read-only, no capabilities. */
function containerSpec(node: DeployedNode, image: NodeImageReturnType): Docker.ContainerCreateOptions {
  return {
    name: containerName(node.net, node.node),
    Image: image.tag,
    Cmd: ['node', '--data', nodeDataDir],
    Env: [],
    Labels: { ...labelsOf(node), [deployLabels.appHash]: image.hash },
    StopTimeout: 30,
    HostConfig: {
      NetworkMode: 'host',
      Mounts: [{ Type: 'volume', Source: volumeName(node.net, node.node), Target: nodeDataDir }],
      ReadonlyRootfs: true,
      // tsx keeps its compiled sources here.
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,noexec,size=128m' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    },
  };
}

const ignoreNotRunning = (error: unknown) => {
  if ((error as { statusCode?: number }).statusCode !== 304) throw error;
};

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** PORT_IN_USE naming the ports on 127.0.0.1 that another process holds. */
async function checkPortsFree(ports: readonly number[], name: string, node?: string): Promise<void> {
  const taken: number[] = [];
  for (const port of ports) if (!(await canListen(port))) taken.push(port);
  if (taken.length === 0) return;
  throw new AinError(
    'PORT_IN_USE',
    `Port${taken.length === 1 ? '' : 's'} ${taken.join(', ')} on 127.0.0.1 ${taken.length === 1 ? 'is' : 'are'} taken, and ${node === undefined ? `the network ${name}` : `node ${node} of ${name}`} would listen there (API ports from --port-base, peer ports ${p2pPortOffset} above); free ${taken.length === 1 ? 'it' : 'them'}, or deploy with another --port-base (a new --name, or after ain deploy down --volumes).`,
    { details: { ports: taken } },
  );
}
