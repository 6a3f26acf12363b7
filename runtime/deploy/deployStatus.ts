import Docker from 'dockerode';

import { AinError } from '../../schemas/index.ts';
import { deployedAgents, type DeployAgentStatus } from './deployAgents.ts';
import { brokerAddress, brokerContainerName, deployedBroker } from './deployBroker.ts';
import { containerName, nodeUrl, type DeployedNode } from './deployedNode.ts';
import { deployedNodes } from './deployUp.ts';
import { connectEngine, inspectContainer } from './engine.ts';
import { progressOf } from './nodeProbe.ts';

/** One node of a deployed network: its container as the engine sees it, and its chain as its API says. */
export interface DeployNodeStatus extends DeployedNode {
  readonly url: string;
  readonly container: string;
  /** The container's state (`running`, `exited`, `restarting`, …), or `absent`. */
  readonly state: string;
  /** The engine's health check: `healthy`, `unhealthy`, `starting`, or `none` when it is not running. */
  readonly health: string;
  readonly image: string | null;
  /** From `GET /v1/health` and `GET /v1/net` (the final height: the last block the validators decided); null when the node does not answer. */
  readonly height: number | null;
  readonly finalized: number | null;
  readonly peers: number | null;
  /** Its stake in the validator set now (`0`: not a validator), as its own node says; null when it does not answer. */
  readonly stake: string | null;
  /** What keeps it from its work now, as its `GET /v1/health` says (empty when nothing does, or it does not answer). */
  readonly problems: readonly { readonly code: string; readonly message: string }[];
}

export interface DeployStatusReturnType {
  readonly name: string;
  /** Empty when nothing is deployed under that name. */
  readonly nodes: readonly DeployNodeStatus[];
  /** The agents `ain deploy agents` runs for the network (empty for none). */
  readonly agents: readonly DeployAgentStatus[];
  /** The Kafka broker the nodes share, on a network deployed with `--log kafka`. */
  readonly broker?: { readonly container: string; readonly address: string; readonly state: string };
}

/**
 * `ain deploy status`: each node of the network `name` (from its volume), its container's state
 * and health, and from its API its height, final height and peers; then its agents' containers.
 * @example const { nodes } = await deployStatus({ name: 'ain' })
 */
export async function deployStatus({ docker: given, name }: { docker?: Docker; name: string }): Promise<DeployStatusReturnType> {
  const docker = await connectEngine(given ?? new Docker());
  const nodes = await deployedNodes(docker, name);
  const broker = await deployedBroker(docker, name);
  const brokerInfo = broker === undefined ? undefined : await inspectContainer(docker, brokerContainerName(name));
  return {
    name,
    nodes: await Promise.all(nodes.map((node) => statusOf(docker, node))),
    agents: await deployedAgents(docker, name),
    ...(broker === undefined
      ? {}
      : { broker: { container: brokerContainerName(name), address: brokerAddress(broker), state: brokerInfo?.State.Status ?? 'absent' } }),
  };
}

async function statusOf(docker: Docker, node: DeployedNode): Promise<DeployNodeStatus> {
  const container = containerName(node.net, node.node);
  const url = nodeUrl(node);
  const info = await inspectContainer(docker, container);
  const running = info?.State.Running === true;
  const progress = running ? await progressOf(url, node.address) : undefined;
  return {
    ...node,
    url,
    container,
    state: info === undefined ? 'absent' : info.State.Status,
    health: running ? (info.State.Health?.Status ?? 'none') : 'none',
    image: info?.Config.Image ?? null,
    height: progress?.height ?? null,
    finalized: progress?.finalized ?? null,
    peers: progress?.peers ?? null,
    stake: progress?.stake ?? null,
    problems: progress?.problems ?? [],
  };
}

/** The node of a deployed network that `which` names: `n2`, its container's name, or its address; NOT_FOUND otherwise. */
export async function findDeployedNode(docker: Docker, name: string, which: string): Promise<DeployedNode> {
  const nodes = await deployedNodes(docker, name);
  const node = nodes.find((n) => n.node === which || containerName(n.net, n.node) === which || n.address === which.toLowerCase());
  if (node !== undefined) return node;
  throw new AinError(
    'NOT_FOUND',
    nodes.length === 0
      ? `Nothing is deployed under the name ${name}; ain deploy up${name === 'ain' ? '' : ` --name ${name}`} deploys a network.`
      : `The network ${name} has no node ${which}; its nodes are ${nodes.map((n) => n.node).join(', ')}.`,
  );
}
