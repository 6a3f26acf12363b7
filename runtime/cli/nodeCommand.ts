import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { configFileIn, loadConfig, netNodesIn, nodeProcessFlags, parseFsync } from '../config/index.ts';
import { createProcessChains, startNode } from '../node/index.ts';
import { UsageError } from './output.ts';

const nodeFlags = {
  data: { type: 'string', multiple: true },
  port: { type: 'string' },
  host: { type: 'string' },
  config: { type: 'string' },
  chain: { type: 'string' },
  fsync: { type: 'string' },
  'block-interval-ms': { type: 'string' },
  log: { type: 'string' },
  brokers: { type: 'string' },
  topic: { type: 'string' },
  genesis: { type: 'string' },
  'log-level': { type: 'string' },
} as const;

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The node's logger: JSON lines on standard output at `--log-level` (or AIN_LOG_LEVEL), info by
 * default. At debug a node also says each peer request and gossip message it refused, and why.
 */
function nodeLogger(flag: string | undefined): pino.Logger {
  const level = flag ?? process.env.AIN_LOG_LEVEL ?? 'info';
  if (!(logLevels as readonly string[]).includes(level)) {
    throw new UsageError(`${flag === undefined ? 'AIN_LOG_LEVEL' : '--log-level'} is one of ${logLevels.join(', ')}, not "${level}".`);
  }
  return pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime, level });
}

function number(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} must be a whole number, got "${text}".`);
  return Number(text);
}

/** Stops the node on SIGTERM / SIGINT: intake first, then the log is synced and closed. */
export const stopOnSignals = (stop: () => Promise<void>): Promise<void> => catchStopSignals().stopWith(stop);

/** What bin/ain.js keeps of the signals that came while `ain node`'s code loaded: they, and its listener. */
interface EarlySignals {
  readonly signals: readonly NodeJS.Signals[];
  readonly listener: (signal: NodeJS.Signals) => void;
}
const earlySignalsKey = Symbol.for('ain.earlySignals');

/**
 * Catches SIGTERM / SIGINT from now on, before a node starts (and takes over one that came while
 * its code loaded, which bin/ain.js kept): `stopWith(stop)` stops it in order
 * on the first signal, at once if one came while it was starting (a signal just after its
 * `node started` line, before `stopOnSignals` listened, used to kill it). A second signal while it
 * is still starting exits at once, so a start that hangs (a broker not there) can be interrupted;
 * one while it stops ends it by the signal (the listeners are gone by then). `stopNow()` is a
 * first signal from within (a fatal error): it never exits at once, and once the stop has begun it
 * does nothing (it used to send the process a SIGTERM, which killed a node whose stop had begun).
 * `release()` stops catching them (a start that failed).
 */
export function catchStopSignals(): { stopWith(stop: () => Promise<void>): Promise<void>; stopNow(): void; release(): void } {
  let stopping: (() => void) | undefined;
  let caught = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping !== undefined) return stopping();
    if (caught) process.exit(signal === 'SIGINT' ? 130 : 143);
    caught = true;
  };
  const release = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // What bin/ain.js caught while the code loaded, handed over once these listen (no gap between).
  const early = (globalThis as Record<symbol, unknown>)[earlySignalsKey] as EarlySignals | undefined;
  if (early !== undefined) {
    delete (globalThis as Record<symbol, unknown>)[earlySignalsKey];
    process.off('SIGTERM', early.listener);
    process.off('SIGINT', early.listener);
    if (early.signals.length > 0) caught = true;
  }
  return {
    release,
    stopWith: (stop) =>
      new Promise((resolve) => {
        let begun = false;
        stopping = () => {
          if (begun) return;
          begun = true;
          release();
          void stop().finally(resolve);
        };
        if (caught) stopping();
      }),
    stopNow: () => {
      if (stopping !== undefined) stopping();
      else caught = true;
    },
  };
}

/** The flags that set one node's config; with several `--data`, each dir's config.json does. */
const oneNodeFlags = ['port', 'host', 'config', 'chain', 'genesis', 'log', 'brokers', 'topic', 'fsync', 'block-interval-ms'] as const;

/**
 * `ain node --data DIR [--port N] [--host H] [--config FILE (default DIR/config.json when there is one)] [--chain C] [--genesis FILE]
 * [--fsync always|group|never | --log kafka --brokers H:P,… [--topic T]] [--block-interval-ms N] [--log-level L]`, or
 * `ain node --data DIR1 --data DIR2 …`: one process validating several chains (a parent and its
 * shards), each started from its own data dir and config, in the order given.
 */
export async function nodeCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: nodeFlags });
  const dirs = values.data ?? [];
  const logger = nodeLogger(values['log-level']);
  const missing = missingProcessFlags(process.execArgv, process.env.NODE_OPTIONS);
  if (missing.length > 0) {
    logger.info(
      { missing },
      `node was started without ${missing.join(' ')}, the V8 flags a node runs with: it works, with less throughput under load; start it through bin/ain.js's #! line, or give them to node (docs/cli.md)`,
    );
  }
  // With --config or --genesis a new data dir joins a chain named elsewhere: no dev chain is made.
  if (values.config === undefined && values.genesis === undefined) for (const dir of dirs) await notAMissingNetNode(dir);
  if (dirs.length > 1) return severalNodes(dirs, values, logger);
  return oneNode(dirs[0], values, logger);
}

/**
 * A data dir that does not exist, beside the nodes `ain net init` wrote (its parent holds
 * `owner.key` and `n1`, `n2` …), is a mistyped node name, and the network's own directory is no
 * node's: either would start a dev chain of its own there, which is never what was meant. A usage
 * error naming the nodes.
 */
async function notAMissingNetNode(dataDir: string): Promise<void> {
  const inside = await netNodesIn(dataDir);
  if (inside.length > 0) {
    throw new UsageError(
      `${dataDir} is the directory of a network ain net init wrote, not one of its nodes (${inside.join(', ')}): start those, e.g. ain node --data ${join(dataDir, inside[0]!)}.`,
    );
  }
  if (await exists(dataDir)) return;
  const parent = dirname(resolve(dataDir));
  const nodes = await netNodesIn(parent);
  if (nodes.length === 0) return;
  throw new UsageError(
    `${dataDir} does not exist, and ${parent} holds the nodes ain net init wrote (${nodes.join(', ')}): start one of those. A new data dir would start a dev chain of its own; make one elsewhere for that.`,
  );
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The node process flags (nodeProcessFlags) this process was not started with, on its command line or in NODE_OPTIONS. */
export function missingProcessFlags(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)]);
  return nodeProcessFlags.filter((flag) => !given.has(flag));
}

type NodeValues = ReturnType<typeof parseArgs<{ args: string[]; options: typeof nodeFlags }>>['values'];

/** The `AIN_*` variables that may apply to every node of one process: none that names one node's place, chain or log. */
const processWide = ['AIN_VERIFY_THREADS', 'AIN_MAX_TX_BYTES', 'AIN_SNAPSHOT_EVERY_BLOCKS'] as const;
const processWideEnv = (): Record<string, string> =>
  Object.fromEntries(processWide.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));

/** Several chains in one process: each its own node (log, peers, consensus, API port), stopped together. */
async function severalNodes(dirs: readonly string[], values: NodeValues, logger: pino.Logger): Promise<void> {
  const given = oneNodeFlags.find((flag) => values[flag] !== undefined);
  if (given !== undefined) throw new UsageError(`--${given} goes with one --data; with several, each data dir's config.json says it.`);
  if (new Set(dirs).size !== dirs.length) throw new UsageError('Each --data names a different data directory.');
  const configs = [];
  for (const dir of dirs) {
    const file = await configFileIn(dir);
    if (file === undefined) throw new UsageError(`${dir} has no config.json; with several --data each is a node dir "ain net init" wrote.`);
    configs.push(await loadConfig({ file, env: processWideEnv(), flags: { dataDir: dir } }));
  }
  const shards = configs.map((config) => config.shard);
  const twice = shards.find((shard, i) => shards.indexOf(shard) !== i);
  if (twice !== undefined) throw new UsageError(`Two of the --data dirs run shard ${twice}; one process serves each shard once.`);
  let fatal = false;
  // One API answers for all: `?shard=S` on any node's port reaches chain S.
  const chains = createProcessChains();
  const nodes: Awaited<ReturnType<typeof startNode>>[] = [];
  const stopAll = async () => {
    for (const node of nodes.reverse()) await node.stop();
  };
  const signals = catchStopSignals();
  try {
    for (const config of configs) {
      nodes.push(
        await startNode({
          config,
          logger: logger.child({ chain: config.chain, shard: config.shard }),
          chains,
          onFatal: () => {
            fatal = true;
            signals.stopNow(); // the same orderly stop as an operator's
          },
        }),
      );
    }
  } catch (error) {
    signals.release();
    await stopAll();
    throw error;
  }
  await signals.stopWith(stopAll);
  process.exit(fatal ? 1 : (process.exitCode ?? 0));
}

async function oneNode(data: string | undefined, values: NodeValues, logger: pino.Logger): Promise<void> {
  if (values.log !== undefined && values.log !== 'file' && values.log !== 'kafka') {
    throw new UsageError(`--log is file (the embedded default) or kafka, not "${values.log}".`);
  }
  if (data === undefined && values.config === undefined && !process.env.AIN_DATA) {
    throw new UsageError('ain node needs a data directory: --data DIR (or AIN_DATA, or dataDir in --config FILE).');
  }
  // A data dir with a config file (ain net init writes one per node) starts on it.
  const dataDir = data ?? process.env.AIN_DATA;
  const file = values.config ?? (dataDir === undefined || dataDir === '' ? undefined : await configFileIn(dataDir));
  // --topic alone sets the topic of a node whose config (file or AIN_LOG) is on Kafka already.
  const configuredKafka = async () => (await loadConfig({ file, env: process.env, flags: { dataDir: data } })).log.kind === 'kafka';
  const kafka =
    values.log === 'kafka' || (values.log === undefined && (values.brokers !== undefined || (values.topic !== undefined && (await configuredKafka()))));
  if (kafka && values.fsync !== undefined) throw new UsageError('--fsync is for the file log; Kafka acknowledges an append once every in-sync replica has it.');
  if (!kafka && (values.brokers !== undefined || values.topic !== undefined)) {
    throw new UsageError('--brokers and --topic go with a log on Kafka: --log kafka, or a config whose log is (log.kind kafka, AIN_LOG=kafka).');
  }
  const brokers = values.brokers
    ?.split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const log = kafka
    ? { kind: 'kafka', ...(brokers === undefined ? {} : { brokers }), ...(values.topic === undefined ? {} : { topic: values.topic }) }
    : values.fsync === undefined
      ? undefined
      : { fsync: parseFsync(values.fsync, '--fsync') };
  const config = await loadConfig({
    file,
    env: process.env,
    flags: {
      dataDir: data,
      port: number(values.port, 'port'),
      host: values.host,
      chain: values.chain,
      genesis: values.genesis,
      log,
      block: { intervalMs: number(values['block-interval-ms'], 'block-interval-ms') },
    },
  });
  let fatal = false;
  const signals = catchStopSignals();
  const node = await startNode({
    config,
    logger,
    onFatal: () => {
      fatal = true;
      signals.stopNow(); // the same orderly stop as an operator's
    },
  }).catch((error: unknown) => {
    signals.release();
    throw error;
  });
  await signals.stopWith(() => node.stop());
  // Stopped in order: the log is synced and closed. A client library's retry timers (kafkajs
  // reconnecting after an outage) may still be pending; they have nothing left to do.
  process.exit(fatal ? 1 : (process.exitCode ?? 0));
}
