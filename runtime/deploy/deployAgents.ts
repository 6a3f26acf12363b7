import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Docker from 'dockerode';

import { generateKeyPair } from '../../log/index.ts';
import { AinError } from '../../schemas/index.ts';
import { createNodeSubmitter, getAccount, getJob } from '../client/index.ts';
import { ensureJobBaseImage } from '../exec/index.ts';
import { readKeyFile, writeKeyFile } from '../keys/index.ts';
import { deployLabels } from './deployedNode.ts';
import { connectEngine, engineAddress, inspectContainer, lastLogLines, onEngine, withLogLines } from './engine.ts';
import type { LocalImageReturnType } from './localImage.ts';
import type { DeployAction } from './nodeContainer.ts';
import { ensureNodeImage, nodeDataDir } from './nodeImage.ts';
import { ownerKeyFile } from './ownerKey.ts';
import { seedVolumes } from './seedVolumes.ts';

/** Agents of one role one network runs at most. */
export const deployAgentsMax = 32;
/** Where an agent container reaches the engine: the host's socket, mounted here. */
const socketInContainer = '/var/run/docker.sock';
/** Labels an agent's container and volume carry beside the network's. */
export const agentLabels = { job: 'ain.agent.job', node: 'ain.agent.node', number: 'ain.agent.number' } as const;

export interface DeployAgentsParameters {
  readonly docker?: Docker;
  readonly name: string;
  readonly role: 'worker' | 'evaluator';
  /** How many agents of that role the network is to have: more are added, those above are removed. */
  readonly count: number;
  /** The node API the agents read and submit through (on 127.0.0.1: the agents share the host's network). */
  readonly node: string;
  readonly job: string;
  /** AIN the owner's key (if this machine keeps it) sends to each agent with none; 1000 by default, `0` for none. */
  readonly fund?: string;
  /** GPU device requests for the agents (and so their jobs' containers): by default only when the host has an NVIDIA device. */
  readonly gpus?: boolean;
  readonly stateDir: string;
  /** Bound on the wait for each agent to follow the job. 180 s by default. */
  readonly timeoutMs?: number;
  readonly say?: (line: string) => void;
}

export interface DeployedAgent {
  readonly agent: string;
  readonly container: string;
  readonly address: string;
  readonly action: DeployAction;
}

export interface DeployAgentsReturnType {
  readonly name: string;
  readonly role: 'worker' | 'evaluator';
  readonly job: string;
  readonly node: string;
  readonly image: string;
  /** The image every job container of the agents starts from (built here, from this machine's node). */
  readonly jobBaseImage: string;
  readonly gpus: boolean;
  readonly agents: readonly DeployedAgent[];
  /** Agents removed (above `count`), highest first. */
  readonly removed: readonly string[];
  /** Addresses the owner's key funded now. */
  readonly funded: readonly string[];
}

const agentName = (role: string, number: number) => `${role}-${number}`;
const agentContainer = (net: string, role: string, number: number) => `${net}-${agentName(role, number)}`;
const agentVolume = (net: string, role: string, number: number) => `${agentContainer(net, role, number)}-data`;

/**
 * `ain deploy agents --role worker|evaluator --count K --node URL --job JOB_ID`: K agents of the
 * job as containers of the node image, each running `ain agent` with its own key in its own
 * volume (made here, mode 0600, never read back), and the engine's unix socket mounted so the
 * jobs it runs are sibling containers on the same engine (from a job base image built here,
 * labelled with the network). The socket gives each agent the engine's full power over the host
 * (root, in effect): it is mounted read-only, which stops no request. Agents with no AIN are
 * funded by the owner's key when this machine keeps it. Again with the same settings: no change.
 * @example await deployAgents({ name: 'ain', role: 'worker', count: 2, node: 'http://127.0.0.1:8080', job, stateDir })
 */
export async function deployAgents(parameters: DeployAgentsParameters): Promise<DeployAgentsReturnType> {
  const { name, role, count, node, job, stateDir, say = () => undefined } = parameters;
  const timeoutMs = parameters.timeoutMs ?? 180_000;
  if (!Number.isSafeInteger(count) || count < 0 || count > deployAgentsMax)
    throw new AinError('BAD_CONFIG', `A network runs 0 to ${deployAgentsMax} agents of a role, not ${count}.`);
  const socket = engineSocket();
  const docker = await connectEngine(parameters.docker ?? new Docker());
  await getJob({ url: node }, { id: job });
  const gpus = parameters.gpus ?? (existsSync('/dev/nvidiactl') || existsSync('/dev/nvidia0'));

  const image = await onEngine('building the node image', () => ensureNodeImage({ docker, say }));
  const jobBaseImage = await onEngine('building the job base image', () => ensureJobBaseImage(docker));
  say(`${image.tag} (${image.built ? 'built' : 'cached'}); the jobs' base image ${jobBaseImage}`);

  const removed = await removeAbove(docker, name, role, count);
  const addresses = await agentVolumes(docker, name, role, count);
  const funded = await fundAgents(node, addresses, parameters.fund ?? '1000', stateDir, say);
  const socketGroup = String((await stat(socket)).gid);
  const specs = addresses.map((address, i) => agentSpec({ name, role, number: i + 1, node, job, address, image, jobBaseImage, socket, socketGroup, gpus }));
  // All at once, as up makes the nodes' containers: on the vfs storage driver each is a copy of the whole image.
  const actions = await Promise.all(specs.map((spec) => upAgent(docker, spec, image.hash)));
  const agents = specs.map((spec, i): DeployedAgent => ({ agent: agentName(role, i + 1), container: spec.name!, address: addresses[i]!, action: actions[i]! }));
  for (const agent of agents) say(`${agent.container}: ${agent.action}`);
  await Promise.all(agents.map((agent) => waitFollowing(docker, agent.container, timeoutMs)));
  return { name, role, job, node, image: image.tag, jobBaseImage, gpus, agents, removed, funded };
}

/** One agent container of a network, as its labels and the engine say. */
export interface DeployAgentStatus {
  /** `worker-1`, `evaluator-2`, …: what `ain deploy logs` takes. */
  readonly agent: string;
  readonly role: string;
  readonly container: string;
  /** The container's state (`running`, `exited`, `restarting`, …). */
  readonly state: string;
  readonly job: string;
  /** The node API it reads and submits through. */
  readonly node: string;
  readonly address: string;
}

/** The agent containers of the network `net`, by role then number. */
export async function deployedAgents(docker: Docker, net: string): Promise<DeployAgentStatus[]> {
  const containers = await onEngine('listing containers', () =>
    docker.listContainers({ all: true, filters: { label: [`${deployLabels.net}=${net}`, `${deployLabels.kind}=agent`] } }),
  );
  return containers
    .map((container) => {
      const labels = container.Labels ?? {};
      const role = labels[deployLabels.role] ?? '';
      const number = Number(labels[agentLabels.number] ?? 0);
      return {
        agent: agentName(role, number),
        role,
        number,
        container: container.Names?.[0]?.replace(/^\//, '') ?? agentContainer(net, role, number),
        state: container.State,
        job: labels[agentLabels.job] ?? '',
        node: labels[agentLabels.node] ?? '',
        address: labels[deployLabels.address] ?? '',
      };
    })
    .sort((a, b) => a.role.localeCompare(b.role) || a.number - b.number)
    .map(({ number: _, ...agent }) => agent);
}

/** The engine's unix socket on this machine, which the agents get; BAD_CONFIG for an engine over TCP. */
function engineSocket(): string {
  const address = engineAddress();
  if (!address.startsWith('unix://'))
    throw new AinError('BAD_CONFIG', `Agents in containers reach the engine through its unix socket, mounted into them; DOCKER_HOST is ${address}.`);
  return address.slice('unix://'.length);
}

/** Each agent's address, from its volume's label; a volume with a new key for each agent that has none. */
async function agentVolumes(docker: Docker, net: string, role: string, count: number): Promise<string[]> {
  const { Volumes } = await onEngine('listing volumes', () =>
    docker.listVolumes({ filters: { label: [`${deployLabels.net}=${net}`, `${deployLabels.kind}=agent`, `${deployLabels.role}=${role}`] } }),
  );
  const byName = new Map((Volumes ?? []).map((volume) => [volume.Name, volume.Labels?.[deployLabels.address]]));
  const addresses: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'ain-agents-'));
  try {
    for (let number = 1; number <= count; number++) {
      const volume = agentVolume(net, role, number);
      const known = byName.get(volume);
      if (known !== undefined) {
        addresses.push(known);
        continue;
      }
      const key = generateKeyPair();
      const keyDir = join(dir, String(number));
      await mkdir(keyDir, { mode: 0o700 });
      await writeKeyFile(join(keyDir, 'agent.key'), key);
      const labels = {
        [deployLabels.net]: net,
        [deployLabels.kind]: 'agent',
        [deployLabels.role]: role,
        [deployLabels.address]: key.address,
        [agentLabels.number]: String(number),
      };
      await seedVolumes(docker, net, [{ name: volume, labels, from: { dir: keyDir } }]);
      addresses.push(key.address);
    }
    return addresses;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The owner sends `amount` to each address that holds nothing; none when this machine has no owner key or `amount` is 0. */
async function fundAgents(node: string, addresses: readonly string[], amount: string, stateDir: string, say: (line: string) => void): Promise<string[]> {
  if (amount === '0' || addresses.length === 0) return [];
  const owner = await readKeyFile(ownerKeyFile(stateDir)).catch(() => undefined);
  if (owner === undefined) {
    say(`no owner key in ${stateDir}: the agents are not funded here (an evaluator needs its deposit)`);
    return [];
  }
  const balances = await Promise.all(addresses.map((address) => getAccount({ url: node }, { address })));
  const empty = addresses.filter((_, i) => balances[i]!.balance === '0');
  const submitter = createNodeSubmitter({ nodeUrl: node, key: owner });
  await Promise.all(empty.map((to) => submitter.submit({ type: 'send', to, amount })));
  if (empty.length > 0) say(`the owner sent ${amount} AIN to ${empty.length} agent${empty.length === 1 ? '' : 's'}`);
  return empty;
}

interface AgentSpecInput {
  readonly name: string;
  readonly role: string;
  readonly number: number;
  readonly node: string;
  readonly job: string;
  readonly address: string;
  readonly image: LocalImageReturnType;
  readonly jobBaseImage: string;
  readonly socket: string;
  readonly socketGroup: string;
  readonly gpus: boolean;
}

/** An agent's container: `ain agent` on the host's network, its volume at /data, the engine's socket, read-only root, no capabilities. */
function agentSpec(a: AgentSpecInput): Docker.ContainerCreateOptions {
  const labels = { [deployLabels.net]: a.name, [deployLabels.kind]: 'agent' };
  return {
    name: agentContainer(a.name, a.role, a.number),
    Image: a.image.tag,
    Cmd: [
      'agent',
      ...['--role', a.role, '--node', a.node, '--job', a.job, '--key', `${nodeDataDir}/agent.key`],
      ...['--runtime', 'docker', '--job-base-image', a.jobBaseImage],
      ...Object.entries({ ...labels, [deployLabels.kind]: 'run', [deployLabels.address]: a.address }).flatMap(([k, v]) => ['--run-label', `${k}=${v}`]),
    ],
    Env: [`DOCKER_HOST=unix://${socketInContainer}`],
    Labels: {
      ...labels,
      [deployLabels.role]: a.role,
      [deployLabels.address]: a.address,
      [agentLabels.job]: a.job,
      [agentLabels.node]: a.node,
      [agentLabels.number]: String(a.number),
      [deployLabels.appHash]: a.image.hash,
    },
    // The image's health check asks a node's API; an agent serves none.
    Healthcheck: { Test: ['NONE'] },
    StopTimeout: 30,
    HostConfig: {
      NetworkMode: 'host',
      Mounts: [
        { Type: 'volume', Source: agentVolume(a.name, a.role, a.number), Target: nodeDataDir },
        { Type: 'bind', Source: a.socket, Target: socketInContainer, ReadOnly: true },
      ],
      GroupAdd: [a.socketGroup],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,noexec,size=128m' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
      ...(a.gpus ? { DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']], DeviceIDs: [], Options: {} }] } : {}),
    },
  };
}

/** Brings one agent's container to running with `spec`; a container of another image, job or node is replaced. */
async function upAgent(docker: Docker, spec: Docker.ContainerCreateOptions, appHash: string): Promise<DeployAction> {
  const name = spec.name!;
  const info = await inspectContainer(docker, name);
  const same = info !== undefined && info.Config.Labels?.[deployLabels.appHash] === appHash && JSON.stringify(info.Config.Cmd) === JSON.stringify(spec.Cmd);
  if (info !== undefined && !same) await onEngine(`removing ${name}`, () => docker.getContainer(name).remove({ force: true }));
  if (same && info.State.Running) return 'unchanged';
  if (!same) await onEngine(`creating ${name}`, () => docker.createContainer(spec));
  await onEngine(`starting ${name}`, () => docker.getContainer(name).start());
  return info === undefined ? 'created' : same ? 'started' : 'replaced';
}

/** Removes the agents of `role` numbered above `count` (containers and volumes), highest first. */
async function removeAbove(docker: Docker, net: string, role: string, count: number): Promise<string[]> {
  const { Volumes } = await onEngine('listing volumes', () =>
    docker.listVolumes({ filters: { label: [`${deployLabels.net}=${net}`, `${deployLabels.kind}=agent`, `${deployLabels.role}=${role}`] } }),
  );
  const above = (Volumes ?? [])
    .map((volume) => Number(volume.Labels?.[agentLabels.number] ?? 0))
    .filter((number) => number > count)
    .sort((a, b) => b - a);
  for (const number of above) {
    const container = agentContainer(net, role, number);
    if ((await inspectContainer(docker, container)) !== undefined)
      await onEngine(`removing ${container}`, () => docker.getContainer(container).remove({ force: true }));
    await onEngine(`removing the volume ${agentVolume(net, role, number)}`, () => docker.getVolume(agentVolume(net, role, number)).remove());
  }
  return above.map((number) => agentName(role, number));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the agent's log says it follows the job; AGENT_FAILED with its last log lines when it exits or does not get there in time. */
async function waitFollowing(docker: Docker, container: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = await lastLogLines(docker, container, 50);
    if (lines.some((line) => line.includes('"event":"following"'))) return;
    const info = await inspectContainer(docker, container);
    const why =
      info === undefined
        ? 'was removed'
        : info.RestartCount > 0 || !info.State.Running
          ? `exited (code ${info.State.ExitCode})`
          : Date.now() > deadline
            ? `did not follow its job within ${timeoutMs / 1000} s`
            : undefined;
    if (why !== undefined)
      throw new AinError('AGENT_FAILED', withLogLines(`The agent ${container} ${why}; see docker logs ${container}.`, lines.slice(-20)), {
        details: { container, logs: lines.slice(-20) },
      });
    await sleep(500);
  }
}
