import { randomBytes } from 'node:crypto';

import type Docker from 'dockerode';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';

import { AinError, fromZodError, safeParse } from '../../schemas/index.ts';
import { DeployName, deployLabels } from './deployedNode.ts';
import { inspectContainer, lastLogLines, onEngine, withLogLines } from './engine.ts';
import type { LocalImageReturnType } from './localImage.ts';
import { nodeDataDir } from './nodeImage.ts';

/** The Kafka broker of a deployed network: one broker and KRaft controller, on 127.0.0.1. */
export const DeployedBroker = z.strictObject({
  net: DeployName,
  port: z.coerce.number().int().min(1).max(65535),
  controllerPort: z.coerce.number().int().min(1).max(65535),
});
export type DeployedBroker = z.infer<typeof DeployedBroker>;

const controllerPortLabel = 'ain.kafka.controller-port';
const pollMs = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const brokerContainerName = (net: string): string => `${net}-kafka`;
export const brokerVolumeName = (net: string): string => `${net}-kafka-data`;
/** Where the nodes reach the broker. */
export const brokerAddress = (broker: Pick<DeployedBroker, 'port'>): string => `127.0.0.1:${broker.port}`;

export function brokerLabels(broker: DeployedBroker): Record<string, string> {
  return {
    [deployLabels.net]: broker.net,
    [deployLabels.kind]: 'broker',
    [deployLabels.node]: 'kafka',
    [deployLabels.role]: 'broker',
    [deployLabels.port]: String(broker.port),
    [controllerPortLabel]: String(broker.controllerPort),
  };
}

/** The broker of the network `net`, from its volume's labels; undefined for a network on its nodes' own logs. */
export async function deployedBroker(docker: Docker, net: string): Promise<DeployedBroker | undefined> {
  const { Volumes } = await onEngine('listing volumes', () =>
    docker.listVolumes({ filters: { label: [`${deployLabels.net}=${net}`, `${deployLabels.kind}=broker`] } }),
  );
  const volume = Volumes?.[0];
  if (volume === undefined) return undefined;
  const labels = volume.Labels ?? {};
  const parsed = safeParse(DeployedBroker, { net: labels[deployLabels.net], port: labels[deployLabels.port], controllerPort: labels[controllerPortLabel] });
  if (!parsed.success)
    throw new AinError(
      'DEPLOY_CONFLICT',
      `The volume ${volume.Name} is a broker's, but its labels are not: ${fromZodError(parsed.error, 'its labels').message}`,
    );
  return parsed.data;
}

/** The broker's server.properties: one KRaft broker and controller on 127.0.0.1, its log in the volume, topics made only by the nodes. */
export function serverProperties(broker: DeployedBroker): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${broker.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${broker.port},CONTROLLER://127.0.0.1:${broker.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${brokerAddress(broker)}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${nodeDataDir}/kafka-logs`,
    'num.partitions=1',
    'default.replication.factor=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'unclean.leader.election.enable=false',
    '',
  ].join('\n');
}

/** A KRaft cluster id as Kafka's own tool makes one: 16 random bytes, base64url, never starting with "-". */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The common parts of the broker's containers: its volume, read-only root, tmpfs /tmp, no capabilities. */
function hostConfig(broker: DeployedBroker, network: 'host' | 'none'): Docker.HostConfig {
  return {
    NetworkMode: network,
    Mounts: [{ Type: 'volume', Source: brokerVolumeName(broker.net), Target: nodeDataDir }],
    ReadonlyRootfs: true,
    Tmpfs: { '/tmp': 'rw,nosuid,nodev,noexec,size=64m' },
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
  };
}

/** Formats the broker's KRaft storage in its volume: Kafka's StorageTool in a one-shot container; LOG_UNAVAILABLE with its output if it fails. */
export async function formatBroker(docker: Docker, image: LocalImageReturnType, broker: DeployedBroker, clusterId: string): Promise<void> {
  const container = await onEngine('creating the container that formats the broker’s storage', () =>
    docker.createContainer({
      Image: image.tag,
      Cmd: ['kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', `${nodeDataDir}/server.properties`],
      Env: [],
      Labels: { [deployLabels.net]: broker.net, [deployLabels.kind]: 'format' },
      NetworkDisabled: true,
      HostConfig: hostConfig(broker, 'none'),
    }),
  );
  try {
    const waiting = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    await onEngine('formatting the broker’s storage', () => container.start());
    const { StatusCode } = await onEngine('formatting the broker’s storage', () => waiting);
    if (StatusCode !== 0) {
      const logs = await lastLogLines(docker, container.id);
      throw new AinError('LOG_UNAVAILABLE', withLogLines(`Formatting the Kafka broker's storage failed (exit code ${StatusCode}).`, logs), {
        details: { logs },
      });
    }
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** Brings the broker's container to running on the current image (see upContainer for nodes); says what it did. */
export async function upBroker(docker: Docker, image: LocalImageReturnType, broker: DeployedBroker): Promise<'created' | 'started' | 'replaced' | 'unchanged'> {
  const name = brokerContainerName(broker.net);
  let info = await inspectContainer(docker, name);
  let replaced = false;
  if (info !== undefined && info.Config.Labels?.[deployLabels.appHash] !== image.hash) {
    await onEngine(`removing ${name} to run the new image`, () => docker.getContainer(name).remove({ force: true, v: true }));
    info = undefined;
    replaced = true;
  }
  if (info?.State.Running === true) return 'unchanged';
  if (info === undefined) {
    await onEngine(`creating ${name}`, () =>
      docker.createContainer({
        name,
        Image: image.tag,
        Env: [],
        Labels: { ...brokerLabels(broker), [deployLabels.appHash]: image.hash },
        StopTimeout: 30,
        HostConfig: {
          ...hostConfig(broker, 'host'),
          RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
          LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
        },
      }),
    );
  }
  await onEngine(`starting ${name}`, () => docker.getContainer(name).start());
  return replaced ? 'replaced' : info === undefined ? 'created' : 'started';
}

/**
 * Waits until the broker answers a Kafka client (its metadata: the topics), as it has no health
 * check; a container that exits, or no answer within `timeoutMs`, is LOG_UNAVAILABLE with its last
 * log lines.
 */
export async function waitBroker(docker: Docker, broker: DeployedBroker, timeoutMs: number): Promise<void> {
  const name = brokerContainerName(broker.net);
  const deadline = Date.now() + timeoutMs;
  const kafka = new Kafka({
    clientId: 'ain-deploy',
    brokers: [brokerAddress(broker)],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2000,
  });
  for (;;) {
    const admin = kafka.admin();
    const answered = await admin
      .connect()
      .then(() => admin.listTopics())
      .then(
        () => true,
        () => false,
      );
    await admin.disconnect().catch(() => undefined);
    if (answered) return;
    const info = await inspectContainer(docker, name);
    const why =
      info === undefined || (!info.State.Running && !info.State.Restarting)
        ? `exited (code ${info?.State.ExitCode ?? 'unknown'})`
        : Date.now() > deadline
          ? `did not answer at ${brokerAddress(broker)} within ${timeoutMs / 1000} s`
          : undefined;
    if (why !== undefined) {
      const logs = await lastLogLines(docker, name);
      throw new AinError('LOG_UNAVAILABLE', withLogLines(`The Kafka broker (container ${name}) ${why}; see ain deploy logs kafka.`, logs), {
        details: { container: name, logs },
      });
    }
    await sleep(pollMs);
  }
}
