import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { configFileIn, loadConfig, parseFsync } from '../config/index.ts';
import { startNode } from '../node/index.ts';
import { UsageError } from './output.ts';

const nodeFlags = {
  data: { type: 'string' },
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
} as const;

function number(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} must be a whole number, got "${text}".`);
  return Number(text);
}

/** Stops the node on SIGTERM / SIGINT: intake first, then the log is synced and closed. */
export function stopOnSignals(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      void stop().finally(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/**
 * `ain node --data DIR [--port N] [--host H] [--config FILE (default DIR/config.json when there is one)] [--chain C] [--genesis FILE]
 * [--fsync always|group|never | --log kafka --brokers H:P,… [--topic T]] [--block-interval-ms N]`
 */
export async function nodeCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: nodeFlags });
  if (values.log !== undefined && values.log !== 'file' && values.log !== 'kafka') {
    throw new UsageError(`--log is file (the embedded default) or kafka, not "${values.log}".`);
  }
  const kafka = values.log === 'kafka' || (values.log === undefined && values.brokers !== undefined);
  if (kafka && values.fsync !== undefined) throw new UsageError('--fsync is for the file log; Kafka acknowledges an append once every in-sync replica has it.');
  if (!kafka && (values.brokers !== undefined || values.topic !== undefined)) throw new UsageError('--brokers and --topic go with --log kafka.');
  const brokers = values.brokers
    ?.split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const log = kafka
    ? { kind: 'kafka', ...(brokers === undefined ? {} : { brokers }), ...(values.topic === undefined ? {} : { topic: values.topic }) }
    : values.fsync === undefined
      ? undefined
      : { fsync: parseFsync(values.fsync, '--fsync') };
  if (values.data === undefined && values.config === undefined && !process.env.AIN_DATA) {
    throw new UsageError('ain node needs a data directory: --data DIR (or AIN_DATA, or dataDir in --config FILE).');
  }
  // A data dir with a config file (ain net init writes one per node) starts on it.
  const dataDir = values.data ?? process.env.AIN_DATA;
  const config = await loadConfig({
    file: values.config ?? (dataDir === undefined || dataDir === '' ? undefined : await configFileIn(dataDir)),
    env: process.env,
    flags: {
      dataDir: values.data,
      port: number(values.port, 'port'),
      host: values.host,
      chain: values.chain,
      genesis: values.genesis,
      log,
      block: { intervalMs: number(values['block-interval-ms'], 'block-interval-ms') },
    },
  });
  const logger = pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
  let fatal = false;
  const node = await startNode({
    config,
    logger,
    onFatal: () => {
      fatal = true;
      process.kill(process.pid, 'SIGTERM'); // the same orderly stop as an operator's
    },
  });
  await stopOnSignals(() => node.stop());
  // Stopped in order: the log is synced and closed. A client library's retry timers (kafkajs
  // reconnecting after an outage) may still be pending; they have nothing left to do.
  process.exit(fatal ? 1 : (process.exitCode ?? 0));
}
