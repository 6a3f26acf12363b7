import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isAinError, type ShardRules } from '../../schemas/index.ts';
import {
  addNetworkNodes,
  defaultBasePort,
  initNetwork,
  initShard,
  isDirectory,
  loadConfig,
  netNodesIn,
  networkValidatorsMax,
  p2pPortOffset,
} from '../config/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { parseJson, wholeNumber } from './argValues.ts';
import { exitCodes, printJson, UsageError, verbError } from './output.ts';
import { table } from './table.ts';

const initFlags = {
  validators: { type: 'string' },
  dir: { type: 'string' },
  chain: { type: 'string' },
  log: { type: 'string' },
  brokers: { type: 'string' },
  topic: { type: 'string' },
  'base-port': { type: 'string' },
  shard: { type: 'string' },
  parent: { type: 'string' },
  key: { type: 'string' },
  stake: { type: 'string' },
  rules: { type: 'string' },
  'wait-ms': { type: 'string' },
} as const;

type InitValues = ReturnType<typeof parseArgs<{ options: typeof initFlags }>>['values'];

/** Flags that belong to one kind of `net init` only. */
const shardOnly = ['parent', 'key', 'stake', 'rules', 'wait-ms'] as const;
const rootOnly = ['chain'] as const;

/** `--log`, `--brokers` and `--topic` as the log the nodes share. */
function logOf(values: { log?: string; brokers?: string; topic?: string }) {
  if (values.log !== undefined && values.log !== 'file' && values.log !== 'kafka') {
    throw new UsageError(`--log is file (each node its own log) or kafka (one shared topic), not "${values.log}".`);
  }
  if (values.log !== 'kafka') {
    if (values.brokers !== undefined || values.topic !== undefined) throw new UsageError('--brokers and --topic go with --log kafka.');
    return { kind: 'file' as const };
  }
  const brokers = (values.brokers ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) throw new UsageError('--log kafka needs --brokers H:P,… (the brokers every node connects to).');
  return { kind: 'kafka' as const, brokers, ...(values.topic === undefined ? {} : { topic: values.topic }) };
}

/**
 * `ain net init --validators N --dir D [--chain C] [--log file|kafka] [--brokers H:P,…]
 * [--topic T] [--base-port P]`
 */
async function initCommand(args: string[], json: boolean): Promise<void> {
  const { values } = parseArgs({ args, options: initFlags });
  const validators = wholeNumber(values.validators, 'validators');
  if (validators === undefined) throw new UsageError('ain net init needs --validators N (how many nodes, each a validator).');
  if (validators < 1 || validators > networkValidatorsMax) throw new UsageError(`--validators is 1 to ${networkValidatorsMax}, not ${validators}.`);
  if (values.dir === undefined) throw new UsageError('ain net init needs --dir D (a new or empty directory for the nodes).');
  if (values.shard !== undefined) return initShardCommand(values, validators, values.dir, json);
  const misplaced = shardOnly.find((flag) => values[flag] !== undefined);
  if (misplaced !== undefined) throw new UsageError(`--${misplaced} goes with --shard PATH (a child chain of a running parent).`);
  const net = await initNetwork({
    dir: values.dir,
    validators,
    log: logOf(values),
    ...(values.chain === undefined ? {} : { chain: values.chain }),
    ...(values['base-port'] === undefined ? {} : { basePort: wholeNumber(values['base-port'], 'base-port')! }),
  });
  if (json) {
    printJson(net);
    return;
  }
  const lines = [
    `a network of ${net.nodes.length} validator${net.nodes.length === 1 ? '' : 's'} for chain ${net.chain} in ${net.dir} (genesis ${net.genesisHash.slice(0, 16)}…)`,
    `owner ${net.owner.address}: ${net.owner.file} (owns /, holds the supply)`,
    ...net.nodes.map((n) => `${n.name} ${n.address}: http://127.0.0.1:${n.port}, peers on ${n.p2pPort}    ain node --data ${n.dir}`),
    net.topic === undefined ? 'each node keeps its own file log' : `the nodes share the Kafka topic ${net.topic}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/**
 * `ain net init --shard PATH --validators N --dir D --parent URL[,URL…] --key OWNER.key
 * [--base-port P] [--stake S] [--rules FILE] [--wait-ms N] [--log file|kafka] [--brokers H:P,…] [--topic T]`: branches PATH on the parent and
 * writes the child chain's nodes.
 */
async function initShardCommand(values: InitValues, validators: number, dir: string, json: boolean): Promise<void> {
  const misplaced = rootOnly.find((flag) => values[flag] !== undefined);
  if (misplaced !== undefined) {
    throw new UsageError(`--${misplaced} does not go with --shard: a shard keeps its parent's chain id.`);
  }
  if (values.parent === undefined) throw new UsageError('ain net init --shard needs --parent URL[,URL…] (nodes of the running parent chain).');
  if (values.key === undefined) throw new UsageError('ain net init --shard needs --key FILE (an owner of the path on the parent, with branch_owner).');
  const log = logOf(values);
  const parents = values.parent
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  const rules = values.rules === undefined ? undefined : parseJson(await readFile(values.rules, 'utf8'), `the rules file ${values.rules}`);
  const net = await initShard({
    dir,
    shard: values.shard!,
    validators,
    parents,
    owner: await readKeyFile(values.key),
    log,
    ...(rules === undefined ? {} : { rules: rules as ShardRules }),
    ...(values.stake === undefined ? {} : { stake: values.stake }),
    ...(values['base-port'] === undefined ? {} : { basePort: wholeNumber(values['base-port'], 'base-port')! }),
    ...(values['wait-ms'] === undefined ? {} : { waitMs: wholeNumber(values['wait-ms'], 'wait-ms')! }),
  });
  if (json) {
    printJson(net);
    return;
  }
  const lines = [
    `a child chain of ${net.nodes.length} validator${net.nodes.length === 1 ? '' : 's'} for ${net.shard} of chain ${net.chain} in ${net.dir} (genesis ${net.genesisHash.slice(0, 16)}…)`,
    `branched on the parent in its block ${net.branch.height} by ${net.owner.address} (tx ${net.branch.hash.slice(0, 16)}…, kept in ${net.branch.file})`,
    ...net.nodes.map((n) => `${n.name} ${n.address}: http://127.0.0.1:${n.port}, peers on ${n.p2pPort}    ain node --data ${n.dir}`),
    net.topic === undefined ? 'each node keeps its own file log' : `the nodes share the Kafka topic ${net.topic}`,
    `each validator reports the child's blocks to ${net.parents.join(', ')}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** A path as one word of a POSIX shell command line: as it is when it is plain, else single-quoted. */
const shellWord = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`);

/**
 * `ain net add --dir D [--nodes K] [--base-port P]`: K more nodes (default 1) in the network
 * `ain net init` wrote in D, followers until their keys stake; prints how to start each and the
 * txs that make one a validator.
 */
async function addCommand(args: string[], json: boolean): Promise<void> {
  const { values } = parseArgs({ args, options: { dir: { type: 'string' }, nodes: { type: 'string' }, 'base-port': { type: 'string' } } });
  if (values.dir === undefined) throw new UsageError('ain net add needs --dir D (the directory ain net init wrote).');
  const count = wholeNumber(values.nodes, 'nodes') ?? 1;
  if (count < 1 || count > networkValidatorsMax) throw new UsageError(`--nodes is 1 to ${networkValidatorsMax}, not ${count}.`);
  const basePort = wholeNumber(values['base-port'], 'base-port');
  const net = await addNetworkNodes({ dir: values.dir, count, ...(basePort === undefined ? {} : { basePort }) });
  if (json) {
    printJson(net);
    return;
  }
  const first = net.existing[0]!;
  const via = `http://127.0.0.1:${first.port}`;
  const target = net.shard === '/' ? `--chain ${net.chain}` : `--chain ${net.chain} --shard ${net.shard}`;
  const stake = net.validatorStake;
  const lines = [
    `added ${net.added.map((n) => n.name).join(', ')} to the network of chain ${net.chain}${net.shard === '/' ? '' : ` shard ${net.shard}`} in ${net.dir} (genesis ${net.genesisHash.slice(0, 16)}…): ${first.name}'s genesis and config, keys and ports of its own, ${net.existing.length === 1 ? 'the node' : `the ${net.existing.length} nodes`} there as its peers`,
    ...net.added.map((n) => `${n.name} ${n.address}: http://127.0.0.1:${n.port}, peers on ${n.p2pPort}    ain node --data ${shellWord(n.dir)}`),
    net.kafka
      ? 'a new node reads the shared Kafka topic and attests nothing until its key stakes; staked, it attests blocks (its stake counts toward finality) and proposes none (the genesis names the proposers).'
      : 'a new node is a follower: it fetches the blocks decided so far from its peers and votes in nothing until its key stakes; staked, it is a validator from the next height.',
    ...(net.ownerKey === null
      ? ['On a shard no account holds a balance to stake with: the node stays a follower.']
      : [
          `To stake once it holds the chain, the owner funds its key and the key stakes (${stake} AIN, what a validator of the genesis holds):`,
          ...net.added.flatMap((n) => [
            `  ain tx sign --key ${shellWord(net.ownerKey!)} ${target} --op '{"type":"send","to":"${n.address}","amount":"${stake}"}' | ain tx submit --node ${via} --wait`,
            `  ain tx sign --key ${shellWord(join(n.dir, 'node.key'))} ${target} --op '{"type":"stake","amount":"${stake}"}' | ain tx submit --node ${via} --wait`,
          ]),
        ]),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** One node of a local network as `ain net status` shows it. */
export interface NetNodeStatus {
  readonly node: string;
  readonly address: string;
  readonly url: string;
  /** Whether it answered `GET /v1/health`; the rest is null (or empty) when it did not. */
  readonly answers: boolean;
  readonly height: number | null;
  readonly finalized: number | null;
  readonly peers: number | null;
  readonly stake: string | null;
  readonly problems: readonly { readonly code: string; readonly message: string }[];
  /** Why its files could not be read (no config.json, a bad node.key): it is not asked. */
  readonly error?: string;
}

/** Where a node of `ain net init` listens: its config's host and port as a node reads them (a wildcard host read as this machine). */
async function nodeUrlIn(dir: string): Promise<string> {
  const { host, port } = await loadConfig({ file: join(dir, 'config.json'), flags: { dataDir: dir } });
  const local = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${local.includes(':') ? `[${local}]` : local}:${port}`;
}

/**
 * `ain net status --dir D`: each node `ain net init` wrote in D, whether its API answers, its
 * height, final height, peers and stake, and what its `GET /v1/health` says keeps it from its
 * work; exit 1 when a node does not answer or lists a problem.
 */
async function statusCommand(args: string[], json: boolean): Promise<void> {
  const { values } = parseArgs({ args, options: { dir: { type: 'string' } } });
  if (values.dir === undefined) throw new UsageError('ain net status needs --dir D (the directory ain net init wrote).');
  const dir = values.dir;
  const names = await netNodesIn(dir);
  if (names.length === 0) {
    throw new UsageError(
      (await isDirectory(dir))
        ? `${dir} holds no nodes ain net init wrote (an owner.key or branch.json beside n1, n2 …).`
        : `${dir} is no directory; give the one ain net init wrote.`,
    );
  }
  // Read from the deploy module's probe (what ain deploy status reads), loaded only here: ain net init needs none of it.
  const { progressOf } = await import('../deploy/index.ts');
  const nodes: NetNodeStatus[] = await Promise.all(
    names.map(async (name): Promise<NetNodeStatus> => {
      const nodeDir = join(dir, name);
      let url: string;
      let address: string;
      try {
        url = await nodeUrlIn(nodeDir);
        address = (await readKeyFile(join(nodeDir, 'node.key'))).address;
      } catch (error) {
        // A node's key is its identity: the generic advice (make a key) would make it another node.
        const lost = isAinError(error, 'BAD_KEY_FILE') && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
        const why = lost
          ? `${join(nodeDir, 'node.key')} does not exist: restore it from a backup (a new key would be another node's identity, and a node that ran on this dir refuses to start without it: KEY_MISSING).`
          : (error as Error).message;
        return { node: name, address: '-', url: '-', answers: false, height: null, finalized: null, peers: null, stake: null, problems: [], error: why };
      }
      const progress = await progressOf(url, address);
      return {
        node: name,
        address,
        url,
        answers: progress !== undefined,
        height: progress?.height ?? null,
        finalized: progress?.finalized ?? null,
        peers: progress?.peers ?? null,
        stake: progress?.stake ?? null,
        problems: progress?.problems ?? [],
      };
    }),
  );
  process.exitCode = nodes.every((n) => n.answers && n.problems.length === 0) ? exitCodes.ok : exitCodes.failed;
  if (json) return printJson({ dir, nodes });
  const shown = (n: number | string | null) => (n === null ? '-' : String(n));
  const rows = nodes.map((n) => [
    n.node,
    n.url,
    n.answers ? 'answers' : 'no answer',
    shown(n.height),
    shown(n.finalized),
    shown(n.peers),
    shown(n.stake),
    n.address,
  ]);
  process.stdout.write(table(['node', 'url', 'api', 'height', 'final', 'peers', 'stake', 'address'], rows) + '\n');
  for (const n of nodes) {
    if (n.error !== undefined) process.stdout.write(`${n.node}: its files cannot be read: ${n.error}\n`);
    else if (!n.answers) process.stdout.write(`${n.node}: its API at ${n.url} does not answer (is ain node --data ${join(dir, n.node)} running?)\n`);
    for (const { code, message } of n.problems) process.stdout.write(`${n.node}: ${code}: ${message}\n`);
  }
}

/** `ain net <verb> …`: the files of a local network of validators, and how its nodes stand. */
export async function netCommand(args: string[], { json }: { json: boolean }): Promise<void> {
  const [verb, ...rest] = args;
  if (verb === 'status') return statusCommand(rest, json);
  if (verb === 'add') return addCommand(rest, json);
  if (verb !== 'init') {
    throw verbError(
      'net',
      verb,
      `use "ain net init --validators N --dir D" (API ports from --base-port, default ${defaultBasePort}; peer ports ${p2pPortOffset} above), "ain net init --shard PATH --validators N --dir D --parent URL --key OWNER.key" for a child chain, "ain net add --dir D [--nodes K]" for more nodes, or "ain net status --dir D" for how its nodes stand.`,
    );
  }
  await initCommand(rest, json);
}
