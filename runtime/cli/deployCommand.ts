import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { safeParse } from '../../schemas/index.ts';
import {
  DeployName,
  deployAgents,
  deployAgentsMax,
  deployAudit,
  deployDown,
  deployLogs,
  deployNodesMax,
  deployRestart,
  deployScale,
  deployStatus,
  deployUp,
  type DeployNodeStatus,
  type DeployUpStep,
} from '../deploy/index.ts';
import { wholeNumber } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError, verbError } from './output.ts';
import { createStepsOutput } from './stepsOutput.ts';
import type { Step } from './stepsView.ts';

const upSteps: readonly Step<DeployUpStep>[] = [
  { id: 'engine', title: 'Connect to the Docker engine' },
  { id: 'image', title: 'Build the node image' },
  { id: 'volumes', title: 'ain net init into the volumes' },
  { id: 'containers', title: 'Start the containers' },
  { id: 'health', title: 'Wait until they are healthy' },
  { id: 'final', title: 'Wait for a final block on every node' },
];

const common = { name: { type: 'string', default: 'ain' } } as const;

/** `--name`, checked: it prefixes the containers' and volumes' names. */
function nameOf(text: string): string {
  const parsed = safeParse(DeployName, text);
  if (!parsed.success) throw new UsageError(`--name ${parsed.error.issues[0]?.message ?? 'is not a name'}, got "${text}".`);
  return parsed.data;
}

/** Where a network's owner key is kept on this machine without `--dir`. */
const stateDirOf = (dir: string | undefined, name: string) => dir ?? join('.data', 'deploy', name);

async function upCommand(args: string[], json: boolean): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...common,
      nodes: { type: 'string' },
      'port-base': { type: 'string' },
      chain: { type: 'string' },
      dir: { type: 'string' },
      log: { type: 'string' },
      'java-home': { type: 'string' },
      'kafka-libs': { type: 'string' },
    },
  });
  if (values.log !== undefined && values.log !== 'p2p' && values.log !== 'kafka') {
    throw new UsageError(
      `--log is p2p (the validators agree over libp2p, each its own log) or kafka (a broker container orders one shared topic), not "${values.log}".`,
    );
  }
  if (values.log !== 'kafka' && (values['java-home'] !== undefined || values['kafka-libs'] !== undefined)) {
    throw new UsageError('--java-home and --kafka-libs go with --log kafka (the broker image is built from them).');
  }
  const name = nameOf(values.name);
  const nodes = wholeNumber(values.nodes, 'nodes');
  if (nodes !== undefined && (nodes < 1 || nodes > deployNodesMax)) throw new UsageError(`--nodes must be from 1 to ${deployNodesMax}, got ${nodes}.`);
  const basePort = wholeNumber(values['port-base'], 'port-base');
  const out = createStepsOutput(upSteps, { json });
  try {
    const up = await deployUp({
      name,
      stateDir: stateDirOf(values.dir, name),
      ...(nodes === undefined ? {} : { nodes }),
      ...(basePort === undefined ? {} : { basePort }),
      ...(values.chain === undefined ? {} : { chain: values.chain }),
      ...(values.log === undefined ? {} : { log: values.log }),
      ...(values['java-home'] === undefined ? {} : { javaHome: values['java-home'] }),
      ...(values['kafka-libs'] === undefined ? {} : { kafkaLibs: values['kafka-libs'] }),
      step: (s) => out.step(s),
      say: (line) => out.say(line),
    });
    await out.end();
    out.emit({ event: 'up', ...up });
    if (json) return;
    const changed = [...up.nodes, ...(up.broker === undefined ? [] : [up.broker])].filter((container) => container.action !== 'unchanged').length;
    const lines = [
      `ain deploy: network ${up.name}, chain ${up.chain}: ${nodesText(up.nodes)} in containers of ${up.image.tag}${changed === 0 ? ', all running already (nothing changed)' : ''}`,
      ...(up.broker === undefined
        ? []
        : [`  kafka ${up.broker.container} ${up.broker.address} (${up.broker.image}) ${up.broker.action}: the nodes share its topic`]),
      ...up.nodes.map((node) => `  ${node.node} ${node.container} ${node.url} (peers on ${node.p2pPort}) ${node.address} ${node.action}`),
      up.finalized === 0 ? '  no block yet' : `  every node is final up to block ${up.finalized}`,
      ...(up.ownerKey === undefined ? [] : [`  the owner's key (owns /, holds the supply): ${up.ownerKey}`]),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } catch (error) {
    await out.fail(error);
    throw error;
  }
}

/** "4 validators", or "5 nodes (4 validators, 1 follower)" once scale added followers. */
function nodesText(nodes: readonly { role: string }[]): string {
  const followers = nodes.filter((node) => node.role === 'follower').length;
  if (followers === 0) return `${nodes.length} validator${nodes.length === 1 ? '' : 's'}`;
  return `${nodes.length} nodes (${nodes.length - followers} validators, ${followers} follower${followers === 1 ? '' : 's'})`;
}

const column = (rows: readonly string[][]): string => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
};

async function statusCommand(args: string[], json: boolean): Promise<void> {
  const { values } = parseArgs({ args, options: common });
  const status = await deployStatus({ name: nameOf(values.name) });
  if (json) return printJson(status);
  if (status.nodes.length === 0 && status.agents.length === 0) {
    process.stdout.write(`Nothing is deployed under the name ${status.name}.\n`);
    return;
  }
  const shown = (n: number | null) => (n === null ? '-' : String(n));
  const rows = [
    ['NODE', 'CONTAINER', 'ROLE', 'STATE', 'HEALTH', 'URL', 'HEIGHT', 'FINAL', 'PEERS', 'STAKE', 'ADDRESS'],
    ...status.nodes.map((node: DeployNodeStatus) => [
      node.node,
      node.container,
      node.role,
      node.state,
      node.health,
      node.url,
      shown(node.height),
      shown(node.finalized),
      shown(node.peers),
      node.stake ?? '-',
      node.address,
    ]),
  ];
  if (status.broker !== undefined)
    rows.push(['kafka', status.broker.container, 'broker', status.broker.state, '-', status.broker.address, '-', '-', '-', '-', '-']);
  for (const agent of status.agents) rows.push([agent.agent, agent.container, agent.role, agent.state, '-', agent.node, '-', '-', '-', '-', agent.address]);
  process.stdout.write(column(rows));
  // What a node says keeps it from its work (GET /v1/health's problems), under the table.
  for (const node of status.nodes) for (const { code, message } of node.problems) process.stdout.write(`${node.node}: ${code}: ${message}\n`);
}

async function scaleCommand(args: string[], json: boolean): Promise<void> {
  const { values } = parseArgs({ args, options: { ...common, nodes: { type: 'string' }, stake: { type: 'string' }, dir: { type: 'string' } } });
  const name = nameOf(values.name);
  const nodes = wholeNumber(values.nodes, 'nodes');
  if (nodes === undefined) throw new UsageError('ain deploy scale needs --nodes M (how many nodes the network is to have).');
  if (nodes < 1 || nodes > deployNodesMax) throw new UsageError(`--nodes must be from 1 to ${deployNodesMax}, got ${nodes}.`);
  if (values.stake !== undefined && !/^[1-9][0-9]*$/.test(values.stake))
    throw new UsageError(`--stake is a whole number of AIN above 0, got "${values.stake}".`);
  const say = json ? () => undefined : (line: string) => process.stdout.write(`  ${line}\n`);
  const scaled = await deployScale({
    name,
    nodes,
    stateDir: stateDirOf(values.dir, name),
    ...(values.stake === undefined ? {} : { stake: values.stake }),
    say,
  });
  if (json) return printJson({ event: 'scaled', ...scaled });
  const lines = [
    `ain deploy scale ${name}: ${scaled.nodes.length} node${scaled.nodes.length === 1 ? '' : 's'}${scaled.removed.length === 0 ? '' : `, removed ${scaled.removed.join(', ')}`}`,
    ...scaled.nodes.map((node) => `  ${node.node} ${node.container} ${node.url} ${node.role} ${node.address} ${node.action}`),
    ...scaled.staked.map((s) => `  ${s.node} staked ${s.amount} AIN: a validator`),
    scaled.finalized === 0 ? '  no block yet' : `  every node is final up to block ${scaled.finalized}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

async function agentsCommand(args: string[], json: boolean): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...common,
      role: { type: 'string' },
      count: { type: 'string' },
      node: { type: 'string' },
      job: { type: 'string' },
      fund: { type: 'string' },
      gpus: { type: 'boolean' },
      'no-gpus': { type: 'boolean' },
      dir: { type: 'string' },
    },
  });
  const role = values.role;
  if (role !== 'worker' && role !== 'evaluator') throw new UsageError(`ain deploy agents needs --role worker or --role evaluator, got "${role ?? ''}".`);
  const count = wholeNumber(values.count, 'count');
  if (count === undefined || count > deployAgentsMax) throw new UsageError(`ain deploy agents needs --count K (0 to ${deployAgentsMax}).`);
  if (values.node === undefined) throw new UsageError('ain deploy agents needs --node URL (the node the agents work through, e.g. http://127.0.0.1:8080).');
  if (values.job === undefined || !/^[0-9a-f]{64}$/.test(values.job)) throw new UsageError('ain deploy agents needs --job JOB_ID (64 hex digits).');
  if (values.fund !== undefined && !/^(0|[1-9][0-9]*)$/.test(values.fund)) throw new UsageError(`--fund is a whole number of AIN, got "${values.fund}".`);
  if (values.gpus === true && values['no-gpus'] === true) throw new UsageError('--gpus and --no-gpus contradict each other.');
  const name = nameOf(values.name);
  const say = json ? () => undefined : (line: string) => process.stdout.write(`  ${line}\n`);
  const agents = await deployAgents({
    name,
    role,
    count,
    node: values.node,
    job: values.job,
    stateDir: stateDirOf(values.dir, name),
    ...(values.fund === undefined ? {} : { fund: values.fund }),
    ...(values.gpus === true ? { gpus: true } : values['no-gpus'] === true ? { gpus: false } : {}),
    say,
  });
  if (json) return printJson({ event: 'agents', ...agents });
  const lines = [
    `ain deploy agents ${name}: ${agents.agents.length} ${role}${agents.agents.length === 1 ? '' : 's'} of job ${agents.job.slice(0, 12)}… through ${agents.node}${agents.gpus ? ', with GPUs' : ''}; their jobs run in sibling containers from ${agents.jobBaseImage}`,
    ...agents.agents.map((a) => `  ${a.agent} ${a.container} ${a.address} ${a.action}`),
    ...(agents.removed.length === 0 ? [] : [`  removed ${agents.removed.join(', ')}`]),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

async function logsCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...common, follow: { type: 'boolean', short: 'f' }, tail: { type: 'string' } },
  });
  const [node, ...rest] = positionals;
  if (node === undefined || rest.length > 0)
    throw new UsageError('ain deploy logs takes one NODE or agent (n1 or worker-1, its container name or its address; kafka for the broker).');
  const tail = wholeNumber(values.tail, 'tail');
  await deployLogs({ name: nameOf(values.name), node, follow: values.follow === true, ...(tail === undefined ? {} : { tail }) });
}

async function restartCommand(args: string[], json: boolean): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: common });
  if (positionals.length !== 1) throw new UsageError('ain deploy restart takes one NODE (n1, its container name or its address).');
  const name = nameOf(values.name);
  if (!json) process.stdout.write(`restarting ${positionals[0]} of ${name} …\n`);
  const node = await deployRestart({ name, node: positionals[0]! });
  if (json) printJson({ event: 'restarted', ...node });
  else process.stdout.write(`${node.node} is healthy again at http://127.0.0.1:${node.port}\n`);
}

async function auditCommand(args: string[], json: boolean): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: common });
  if (positionals.length !== 1) throw new UsageError('ain deploy audit takes one NODE (n1, its container name or its address).');
  const audit = await deployAudit({ name: nameOf(values.name), node: positionals[0]!, json });
  process.stdout.write(audit.stdout);
  process.stderr.write(audit.stderr);
  if (audit.exitCode !== 0) process.exitCode = 1;
}

async function downCommand(args: string[], json: boolean): Promise<void> {
  const { values } = parseArgs({ args, options: { ...common, volumes: { type: 'boolean' }, images: { type: 'boolean' }, dir: { type: 'string' } } });
  const name = nameOf(values.name);
  const down = await deployDown({ name, volumes: values.volumes === true, images: values.images === true, stateDir: stateDirOf(values.dir, name) });
  if (json) return printJson({ name, ...down });
  const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));
  const lines = [`ain deploy down ${name}: removed containers: ${list(down.containers)}`];
  if (values.volumes === true) lines.push(`  removed volumes (the chain is gone): ${list(down.volumes)}`);
  else lines.push('  the volumes are kept: ain deploy up brings the same chain back (down --volumes removes them)');
  if (values.images === true) lines.push(`  removed images: ${list(down.images)}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/**
 * `ain deploy up|status|scale|agents|logs|restart|audit|down …`: a network of validators as containers on a
 * Docker engine (`DOCKER_HOST` or /var/run/docker.sock).
 */
export async function deployCommand(args: string[], { json }: CommandContext): Promise<void> {
  const [verb, ...rest] = args;
  switch (verb) {
    case 'up':
      return upCommand(rest, json);
    case 'status':
      return statusCommand(rest, json);
    case 'scale':
      return scaleCommand(rest, json);
    case 'agents':
      return agentsCommand(rest, json);
    case 'logs':
      return logsCommand(rest);
    case 'restart':
      return restartCommand(rest, json);
    case 'audit':
      return auditCommand(rest, json);
    case 'down':
      return downCommand(rest, json);
    default:
      throw verbError('deploy', verb, `use ain deploy up, status, scale, agents, logs, restart, audit or down.`);
  }
}
