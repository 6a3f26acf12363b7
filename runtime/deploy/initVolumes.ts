import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type Docker from 'dockerode';

import { AinError } from '../../schemas/index.ts';
import { defaultBasePort, initNetwork, p2pPortOffset } from '../config/index.ts';
import { brokerAddress, brokerLabels, brokerVolumeName, formatBroker, newClusterId, serverProperties, type DeployedBroker } from './deployBroker.ts';
import { labelsOf, volumeName, type DeployedNode } from './deployedNode.ts';
import type { DeployUpParameters } from './deployUp.ts';
import type { LocalImageReturnType } from './localImage.ts';
import { checkPortsFree } from './nodeContainer.ts';
import { checkNoOwnerKey, keepOwnerKey } from './ownerKey.ts';
import { seedVolumes, type SeedVolume } from './seedVolumes.ts';

/** Nodes a new network gets without `--nodes`. */
export const defaultDeployNodes = 4;
/** Nodes one deployed network has at most. */
export const deployNodesMax = 16;

/**
 * A new network's volumes: `ain net init` into a temp dir (its nodes on the broker at the base
 * port + 2000 with `kafka`), each node's files into its volume (and the broker's
 * server.properties into its own, then its storage formatted), the owner's key into the state
 * dir. The ports it will use must be free first (PORT_IN_USE); an owner key there already is a
 * DEPLOY_CONFLICT.
 */
export async function initVolumes(
  docker: Docker,
  { name, nodes: count = defaultDeployNodes, basePort = defaultBasePort, chain, log = 'p2p', stateDir }: DeployUpParameters,
  brokerImage: LocalImageReturnType | undefined,
): Promise<{ nodes: DeployedNode[]; broker?: DeployedBroker }> {
  if (!Number.isSafeInteger(count) || count < 1 || count > deployNodesMax)
    throw new AinError('BAD_CONFIG', `A deployed network has 1 to ${deployNodesMax} nodes, not ${count}.`);
  const broker: DeployedBroker | undefined =
    log === 'kafka' ? { net: name, port: basePort + 2 * p2pPortOffset, controllerPort: basePort + 2 * p2pPortOffset + 1 } : undefined;
  const ports = Array.from({ length: count }, (_, i) => [basePort + i, basePort + i + p2pPortOffset]).flat();
  await checkPortsFree(broker === undefined ? ports : [...ports, broker.port, broker.controllerPort], name);
  await checkNoOwnerKey(stateDir);
  const dir = await mkdtemp(join(tmpdir(), 'ain-deploy-'));
  try {
    const net = await initNetwork({
      dir: join(dir, 'net'),
      validators: count,
      basePort,
      ...(chain === undefined ? {} : { chain }),
      ...(broker === undefined ? {} : { log: { kind: 'kafka' as const, brokers: [brokerAddress(broker)] } }),
    });
    const nodes = net.nodes.map((node): DeployedNode => ({
      net: name,
      node: node.name,
      chain: net.chain,
      shard: '/',
      address: node.address,
      role: 'validator',
      log,
      port: node.port,
      p2pPort: node.p2pPort,
    }));
    const volumes: SeedVolume[] = nodes.map((node, i) => ({ name: volumeName(name, node.node), labels: labelsOf(node), from: { dir: net.nodes[i]!.dir } }));
    if (broker !== undefined)
      volumes.push({ name: brokerVolumeName(name), labels: brokerLabels(broker), from: { files: { 'server.properties': serverProperties(broker) } } });
    await seedVolumes(docker, name, volumes);
    if (broker !== undefined) await formatBroker(docker, brokerImage!, broker, newClusterId());
    await keepOwnerKey(net.owner.file, stateDir);
    return broker === undefined ? { nodes } : { nodes, broker };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
