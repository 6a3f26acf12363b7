import { parseArgs } from 'node:util';
import { defaultBasePort, initNetwork, p2pPortOffset } from '../config/index.ts';
import { wholeNumber } from './argValues.ts';
import { printJson, UsageError } from './output.ts';

const initFlags = {
  validators: { type: 'string' },
  dir: { type: 'string' },
  chain: { type: 'string' },
  log: { type: 'string' },
  brokers: { type: 'string' },
  topic: { type: 'string' },
  'base-port': { type: 'string' },
} as const;

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
  if (values.dir === undefined) throw new UsageError('ain net init needs --dir D (a new or empty directory for the nodes).');
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

/** `ain net <verb> …`: the files of a local network of validators. */
export async function netCommand(args: string[], { json }: { json: boolean }): Promise<void> {
  const [verb, ...rest] = args;
  if (verb !== 'init') {
    throw new UsageError(
      `"ain net ${verb ?? ''}" is not a command; use "ain net init --validators N --dir D" (API ports from --base-port, default ${defaultBasePort}; peer ports ${p2pPortOffset} above).`,
    );
  }
  await initCommand(rest, json);
}
