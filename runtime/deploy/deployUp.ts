import Docker from 'dockerode';

import { signTx } from '../../log/index.ts';
import { AinError } from '../../schemas/index.ts';
import { postTx } from '../client/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { ensureBrokerImage, pruneBrokerImages } from './brokerImage.ts';
import { brokerAddress, brokerContainerName, deployedBroker, upBroker, waitBroker, type DeployedBroker } from './deployBroker.ts';
import { byNodeNumber, containerName, deployLabels, nodeOfLabels, nodeUrl, type DeployedNode } from './deployedNode.ts';
import { connectEngine, onEngine } from './engine.ts';
import { initVolumes } from './initVolumes.ts';
import type { LocalImageReturnType } from './localImage.ts';
import { checkPortsFree, upContainer, type DeployAction } from './nodeContainer.ts';
import { ensureNodeImage, pruneNodeImages } from './nodeImage.ts';
import { ownerKeyFile } from './ownerKey.ts';
import { waitFinal, waitHealthy, waitPeers } from './waitNodes.ts';

/** What `ain deploy up` goes through, in order. */
export type DeployUpStep = 'engine' | 'image' | 'volumes' | 'containers' | 'health' | 'final';

export { defaultDeployNodes, deployNodesMax } from './initVolumes.ts';

export interface DeployUpParameters {
  /** The engine; `DOCKER_HOST` or /var/run/docker.sock by default. */
  readonly docker?: Docker;
  readonly name: string;
  /** How many validators a new network gets (default 4); for a deployed one, what it must have. */
  readonly nodes?: number;
  /** Node i's API port is this plus i − 1 (default 8080), its peer port 1000 above, the broker's 2000 above the first; for a deployed one, what it must be. */
  readonly basePort?: number;
  readonly chain?: string;
  /** Who orders a new network's chain: the validators over libp2p (`p2p`, default), or a Kafka broker in a container of its own (`kafka`). */
  readonly log?: 'p2p' | 'kafka';
  /** For `kafka`: the Java runtime and Kafka jars the broker image is built from (see ensureBrokerImage). */
  readonly javaHome?: string;
  readonly kafkaLibs?: string;
  /** Where the genesis owner's key (owner.key, mode 0600) is written for a new network. */
  readonly stateDir: string;
  /** Bound on each wait: health, the broker, peers, finality. 180 s by default. */
  readonly timeoutMs?: number;
  readonly step?: (step: DeployUpStep) => void;
  readonly say?: (line: string) => void;
}

export interface DeployUpReturnType {
  readonly name: string;
  readonly chain: string;
  readonly log: 'p2p' | 'kafka';
  readonly image: LocalImageReturnType;
  /** The genesis owner's key file, when this machine has it. */
  readonly ownerKey?: string;
  readonly nodes: readonly (DeployedNode & { readonly url: string; readonly container: string; readonly action: DeployAction })[];
  /** With `kafka`: the broker's container, address and what up did to it. */
  readonly broker?: { readonly container: string; readonly address: string; readonly image: string; readonly action: DeployAction };
  /** The final height every node holds. */
  readonly finalized: number;
}

/**
 * `ain deploy up`: a network of validators as containers of the node image, on the host's
 * network at 127.0.0.1. The first time, `ain net init` writes the network's files, each node's
 * into its named volume, and the owner's key into `stateDir`; then every node's container is
 * made (or started, or remade when the image's content changed) with a read-only root, a tmpfs
 * /tmp, no capabilities, the node's user, and restart unless stopped. With `log: 'kafka'` the
 * nodes share the topic of a Kafka broker that runs first, in a container of the broker image.
 * It waits until every container is healthy, every node sees the others, and all hold the same
 * final block (a new chain's first comes from a tx of the owner that opens `/apps/deploy/$user`
 * to each user). Running it again changes nothing; it restarts a container that was stopped or
 * killed.
 * @example const up = await deployUp({ name: 'ain', nodes: 4, stateDir: '.data/deploy/ain' })
 */
export async function deployUp(parameters: DeployUpParameters): Promise<DeployUpReturnType> {
  const { name, stateDir, step = () => undefined, say = () => undefined } = parameters;
  const timeoutMs = parameters.timeoutMs ?? 180_000;
  step('engine');
  const docker = await connectEngine(parameters.docker ?? new Docker());
  let nodes = await deployedNodes(docker, name);
  if (nodes.length > 0) checkSame(nodes, parameters);
  const log = nodes[0]?.log ?? parameters.log ?? 'p2p';

  step('image');
  const image = await onEngine('building the node image', () => ensureNodeImage({ docker, say }));
  say(`${image.tag} (${image.built ? 'built' : 'cached'})`);
  const brokerImage =
    log === 'kafka'
      ? await onEngine('building the broker image', () =>
          ensureBrokerImage({
            docker,
            say,
            ...(parameters.javaHome === undefined ? {} : { javaHome: parameters.javaHome }),
            ...(parameters.kafkaLibs === undefined ? {} : { kafkaLibs: parameters.kafkaLibs }),
          }),
        )
      : undefined;
  if (brokerImage !== undefined) say(`${brokerImage.tag} (${brokerImage.built ? 'built' : 'cached'})`);

  step('volumes');
  let broker: DeployedBroker | undefined;
  if (nodes.length === 0) {
    ({ nodes, broker } = await initVolumes(docker, { ...parameters, log }, brokerImage));
    say(
      `${nodes.length} validators for chain ${nodes[0]!.chain}${broker === undefined ? '' : ` on the Kafka broker at ${brokerAddress(broker)}`}: each node's keys, genesis and config in its volume; the owner's key in ${ownerKeyFile(stateDir)}`,
    );
  } else {
    broker = log === 'kafka' ? await deployedBroker(docker, name) : undefined;
    if (log === 'kafka' && broker === undefined)
      throw new AinError('DEPLOY_CONFLICT', `The nodes of ${name} share a Kafka topic, but its broker's volume is gone.`);
    say(`the volumes of ${nodes.length} nodes are there (chain ${nodes[0]!.chain})`);
  }

  step('containers');
  let brokerAction: DeployAction | undefined;
  if (broker !== undefined && brokerImage !== undefined) {
    if (!(await isRunning(docker, brokerContainerName(name)))) await checkPortsFree([broker.port, broker.controllerPort], name, 'kafka');
    brokerAction = await upBroker(docker, brokerImage, broker);
    say(`${brokerContainerName(name)}: ${brokerAction}`);
    await waitBroker(docker, broker, timeoutMs);
    await pruneBrokerImages(docker, brokerImage);
  }
  const actions = await Promise.all(nodes.map((node) => upContainer(docker, node, image)));
  for (const [i, node] of nodes.entries()) say(`${containerName(name, node.node)}: ${actions[i]}`);
  await pruneNodeImages(docker, image);

  step('health');
  await Promise.all(nodes.map((node) => waitHealthy(docker, node, timeoutMs)));
  say(`${nodes.length} containers healthy`);

  step('final');
  await waitPeers(docker, nodes, timeoutMs);
  const owner = await readKeyFile(ownerKeyFile(stateDir)).catch(() => undefined);
  const first = nodes[0]!;
  const firstTx =
    owner === undefined
      ? undefined
      : async () => {
          const now = Date.now();
          const op = { type: 'set_rule', path: '/apps/deploy/$user', value: { write: 'auth.addr == $user' } } as const;
          await postTx(nodeUrl(first), signTx({ key: owner, op, nonce: now, time: now, chain: first.chain, shard: first.shard }));
          say('a new chain: the owner opens /apps/deploy/$user to each user (the first block)');
        };
  const finalized = await waitFinal(docker, nodes, timeoutMs, firstTx);
  say(finalized === 0 ? 'no block yet, and no owner key here to send a first tx' : `every node is final up to block ${finalized}`);
  return {
    name,
    chain: first.chain,
    log,
    image,
    ...(owner === undefined ? {} : { ownerKey: ownerKeyFile(stateDir) }),
    nodes: nodes.map((node, i) => ({ ...node, url: nodeUrl(node), container: containerName(name, node.node), action: actions[i]! })),
    ...(broker === undefined || brokerImage === undefined || brokerAction === undefined
      ? {}
      : { broker: { container: brokerContainerName(name), address: brokerAddress(broker), image: brokerImage.tag, action: brokerAction } }),
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

const isRunning = async (docker: Docker, container: string): Promise<boolean> =>
  (
    await docker
      .getContainer(container)
      .inspect()
      .catch(() => undefined)
  )?.State.Running === true;

/** A deployed network is reused only as it is: other counts, ports, chains or logs are a DEPLOY_CONFLICT. */
function checkSame(nodes: readonly DeployedNode[], { name, nodes: count, basePort, chain, log }: DeployUpParameters): void {
  const differs = (what: string, asked: string | number, has: string | number) => {
    throw new AinError(
      'DEPLOY_CONFLICT',
      `The network ${name} is deployed with ${what} ${has}, not ${asked}; run ain deploy up without it, or ain deploy down --volumes ${name === 'ain' ? '' : `--name ${name} `}first (its chain is lost), or use another --name.`,
    );
  };
  if (count !== undefined && count !== nodes.length) differs('--nodes', count, nodes.length);
  if (basePort !== undefined && basePort !== nodes[0]!.port) differs('--port-base', basePort, nodes[0]!.port);
  if (chain !== undefined && chain !== nodes[0]!.chain) differs('--chain', chain, nodes[0]!.chain);
  if (log !== undefined && log !== nodes[0]!.log) differs('--log', log, nodes[0]!.log);
}
