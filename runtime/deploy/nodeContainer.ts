import { createServer } from 'node:net';

import type Docker from 'dockerode';

import { AinError } from '../../schemas/index.ts';
import { p2pPortOffset } from '../config/index.ts';
import { containerName, deployLabels, labelsOf, volumeName, type DeployedNode } from './deployedNode.ts';
import { inspectContainer, onEngine } from './engine.ts';
import type { LocalImageReturnType } from './localImage.ts';
import { nodeDataDir } from './nodeImage.ts';

/** What up did to a container. */
export type DeployAction = 'created' | 'started' | 'replaced' | 'unchanged';

/** Brings one node's container to running on the current image; says what it did. */
export async function upContainer(docker: Docker, node: DeployedNode, image: LocalImageReturnType): Promise<DeployAction> {
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
function containerSpec(node: DeployedNode, image: LocalImageReturnType): Docker.ContainerCreateOptions {
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
      // tsx keeps its compiled sources here (an image of an app not compiled into dist/).
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
export async function checkPortsFree(ports: readonly number[], name: string, node?: string): Promise<void> {
  const taken: number[] = [];
  for (const port of ports) if (!(await canListen(port))) taken.push(port);
  if (taken.length === 0) return;
  throw new AinError(
    'PORT_IN_USE',
    `Port${taken.length === 1 ? '' : 's'} ${taken.join(', ')} on 127.0.0.1 ${taken.length === 1 ? 'is' : 'are'} taken, and ${node === undefined ? `the network ${name}` : `node ${node} of ${name}`} would listen there (API ports from --port-base, peer ports ${p2pPortOffset} above); free ${taken.length === 1 ? 'it' : 'them'}, or deploy with another --port-base (a new --name, or after ain deploy down --volumes).`,
    { details: { ports: taken } },
  );
}
