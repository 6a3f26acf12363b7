import { rm, rmdir } from 'node:fs/promises';

import Docker from 'dockerode';

import { AinError } from '../../schemas/index.ts';
import { containerName, deployLabels, volumeName, type DeployedNode } from './deployedNode.ts';
import { deployedAgents } from './deployAgents.ts';
import { findDeployedNode } from './deployStatus.ts';
import { connectEngine, inspectContainer, onEngine, streamLogs } from './engine.ts';
import { brokerImageRepository } from './brokerImage.ts';
import { brokerAddress, brokerContainerName, deployedBroker } from './deployBroker.ts';
import { ensureNodeImage, nodeDataDir, nodeImageRepository } from './nodeImage.ts';
import { ownerKeyFile } from './ownerKey.ts';
import { seedImageTag } from './seedVolumes.ts';
import { waitHealthy } from './waitNodes.ts';

/** How long a node has to stop on SIGTERM (sync its log, write a snapshot) before it is killed. */
const stopTimeoutS = 30;

interface OnNetwork {
  readonly docker?: Docker;
  readonly name: string;
}

/**
 * `ain deploy restart NODE`: restarts the node's container (SIGTERM, then start) and waits until
 * it is healthy again; NOT_FOUND for a node the network does not have or whose container is gone.
 * @example await deployRestart({ name: 'ain', node: 'n2' })
 */
export async function deployRestart({
  docker: given,
  name,
  node: which,
  timeoutMs = 180_000,
}: OnNetwork & { node: string; timeoutMs?: number }): Promise<DeployedNode> {
  const docker = await connectEngine(given ?? new Docker());
  const node = await findDeployedNode(docker, name, which);
  const container = containerName(name, node.node);
  if ((await inspectContainer(docker, container)) === undefined) {
    throw new AinError('NOT_FOUND', `Node ${node.node} has no container (${container}); ain deploy up${name === 'ain' ? '' : ` --name ${name}`} makes it.`);
  }
  await onEngine(`restarting ${container}`, () => docker.getContainer(container).restart({ t: stopTimeoutS }));
  await waitHealthy(docker, node, timeoutMs);
  return node;
}

/**
 * `ain deploy logs NODE [--follow]`: what the node's container wrote (the node's JSON log lines),
 * and with `follow` what it writes next, until it stops. `kafka` names the broker's container; an
 * agent (`worker-1`, its container's name or its address) names that agent's.
 */
export async function deployLogs({
  docker: given,
  name,
  node: which,
  follow = false,
  tail,
  stdout = process.stdout,
  stderr = process.stderr,
}: OnNetwork & { node: string; follow?: boolean; tail?: number; stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream }): Promise<void> {
  const docker = await connectEngine(given ?? new Docker());
  const broker = which === 'kafka' ? await deployedBroker(docker, name) : undefined;
  const agent =
    broker === undefined
      ? (await deployedAgents(docker, name)).find((a) => a.agent === which || a.container === which || a.address === which.toLowerCase())
      : undefined;
  const container =
    broker !== undefined ? brokerContainerName(name) : (agent?.container ?? containerName(name, (await findDeployedNode(docker, name, which)).node));
  if ((await inspectContainer(docker, container)) === undefined) throw new AinError('NOT_FOUND', `${which} has no container (${container}), so no logs.`);
  await streamLogs(docker, container, { follow, stdout, stderr, ...(tail === undefined ? {} : { tail }) });
}

export interface DeployDownReturnType {
  readonly containers: readonly string[];
  readonly volumes: readonly string[];
  readonly images: readonly string[];
}

/**
 * `ain deploy down [--volumes] [--images]`: stops (SIGTERM, then at most 30 s) and removes the
 * network's containers; with `volumes` its data volumes too (the chain is gone) and the owner's
 * key in `stateDir`; with `images` the node and broker images and the seed image no container uses.
 * @example await deployDown({ name: 'ain', volumes: true, stateDir: '.data/deploy/ain' })
 */
export async function deployDown({
  docker: given,
  name,
  volumes = false,
  images = false,
  stateDir,
}: OnNetwork & { volumes?: boolean; images?: boolean; stateDir: string }): Promise<DeployDownReturnType> {
  const docker = await connectEngine(given ?? new Docker());
  const found = await onEngine('listing containers', () => docker.listContainers({ all: true, filters: { label: [`${deployLabels.net}=${name}`] } }));
  await Promise.all(
    found.map(async (container) => {
      const handle = docker.getContainer(container.Id);
      if (container.State === 'running' || container.State === 'restarting') await handle.stop({ t: stopTimeoutS }).catch(() => undefined);
      await onEngine(`removing ${container.Names[0] ?? container.Id}`, () => handle.remove({ force: true, v: true }));
    }),
  );
  const removedVolumes: string[] = [];
  if (volumes) {
    const { Volumes } = await onEngine('listing volumes', () => docker.listVolumes({ filters: { label: [`${deployLabels.net}=${name}`] } }));
    for (const volume of Volumes ?? []) {
      await onEngine(`removing the volume ${volume.Name}`, () => docker.getVolume(volume.Name).remove());
      removedVolumes.push(volume.Name);
    }
    await rm(ownerKeyFile(stateDir), { force: true });
    await rmdir(stateDir).catch(() => undefined);
  }
  const removedImages: string[] = [];
  if (images) {
    const listed = await onEngine('listing images', () => docker.listImages({ filters: { reference: [nodeImageRepository, brokerImageRepository] } }));
    const tags = [...listed.flatMap((image) => image.RepoTags ?? []), seedImageTag];
    for (const tag of tags) {
      const removed = await docker
        .getImage(tag)
        .remove()
        .then(
          () => true,
          () => false,
        );
      if (removed) removedImages.push(tag);
    }
  }
  return { containers: found.map((container) => (container.Names[0] ?? container.Id).replace(/^\//, '')), volumes: removedVolumes, images: removedImages };
}

export interface DeployAuditReturnType {
  readonly node: string;
  /** `ain audit`'s exit code: 0 only if everything matches. */
  readonly exitCode: number;
  /** What it printed: its report. */
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `ain deploy audit NODE`: `ain audit --data /data` in a one-shot container of the node image
 * with the node's volume mounted read-only (no network, read-only root): it replays the node's
 * log from genesis and checks everything. The node may be running or stopped. On a network on
 * Kafka it reads the shared topic (`--kafka`, the host's network, to reach the broker).
 */
export async function deployAudit({
  docker: given,
  name,
  node: which,
  json = false,
}: OnNetwork & { node: string; json?: boolean }): Promise<DeployAuditReturnType> {
  const docker = await connectEngine(given ?? new Docker());
  const node = await findDeployedNode(docker, name, which);
  const running = await inspectContainer(docker, containerName(name, node.node));
  const image = running?.Image ?? (await onEngine('building the node image', () => ensureNodeImage({ docker }))).tag;
  // A node on Kafka keeps no log of its own: the audit reads the topic (and the genesis from the volume).
  const broker = node.log === 'kafka' ? await deployedBroker(docker, name) : undefined;
  if (node.log === 'kafka' && broker === undefined)
    throw new AinError('NOT_FOUND', `The nodes of ${name} share a Kafka topic, but its broker's volume is gone.`);
  const container = await onEngine('creating the audit container', () =>
    docker.createContainer({
      Image: image,
      Cmd: ['audit', ...(broker === undefined ? [] : ['--kafka', brokerAddress(broker)]), '--data', nodeDataDir, ...(json ? ['--json'] : [])],
      Env: [],
      Labels: { [deployLabels.net]: name, [deployLabels.kind]: 'audit', [deployLabels.node]: node.node },
      NetworkDisabled: broker === undefined,
      HostConfig: {
        NetworkMode: broker === undefined ? 'none' : 'host',
        Mounts: [{ Type: 'volume', Source: volumeName(name, node.node), Target: nodeDataDir, ReadOnly: true }],
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,nosuid,nodev,noexec,size=128m' },
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
      },
    }),
  );
  try {
    const waiting = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    await onEngine('starting the audit container', () => container.start());
    const { StatusCode } = await onEngine('waiting for the audit', () => waiting);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const collect = (into: Buffer[]) => ({ write: (chunk: Buffer) => (into.push(Buffer.from(chunk)), true) }) as unknown as NodeJS.WritableStream;
    await streamLogs(docker, container.id, { follow: false, stdout: collect(stdout), stderr: collect(stderr) });
    return { node: node.node, exitCode: StatusCode, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}
