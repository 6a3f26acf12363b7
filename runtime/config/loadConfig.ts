import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AinError, NodeConfig, fromZodError, safeParse, type NodeConfigInput } from '../../schemas/index.ts';

export interface ConfigSources {
  /** A JSON config file; its fields are NodeConfig's. */
  readonly file?: string;
  readonly env?: Record<string, string | undefined>;
  /** Values from command-line flags: they win over the environment, which wins over the file. */
  readonly flags?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

/** `AIN_*` environment variables and where they land in NodeConfig. */
type EnvKind = 'string' | 'number' | 'fsync' | 'list' | 'threads';
const envFields: Record<string, { path: string[]; kind: EnvKind }> = {
  AIN_DATA: { path: ['dataDir'], kind: 'string' },
  AIN_HOST: { path: ['host'], kind: 'string' },
  AIN_PORT: { path: ['port'], kind: 'number' },
  AIN_CHAIN: { path: ['chain'], kind: 'string' },
  AIN_SHARD: { path: ['shard'], kind: 'string' },
  AIN_FSYNC: { path: ['log', 'fsync'], kind: 'fsync' },
  AIN_BLOCK_INTERVAL_MS: { path: ['block', 'intervalMs'], kind: 'number' },
  AIN_BLOCK_MAX_TXS: { path: ['block', 'maxTxs'], kind: 'number' },
  AIN_MAX_TX_BYTES: { path: ['maxTxBytes'], kind: 'number' },
  AIN_VERIFY_THREADS: { path: ['verifyThreads'], kind: 'threads' },
  AIN_GENESIS: { path: ['genesis'], kind: 'string' },
  AIN_LOG: { path: ['log', 'kind'], kind: 'string' },
  AIN_KAFKA_BROKERS: { path: ['log', 'brokers'], kind: 'list' },
  AIN_KAFKA_TOPIC: { path: ['log', 'topic'], kind: 'string' },
  AIN_KAFKA_APPEND_RETRY_MS: { path: ['log', 'appendRetryMs'], kind: 'number' },
  AIN_SNAPSHOT_EVERY_BLOCKS: { path: ['snapshot', 'everyBlocks'], kind: 'number' },
};

/** `always`, `never`, or `group` (group commit with its defaults). */
export function parseFsync(text: string, source: string): unknown {
  if (text === 'always' || text === 'never') return text;
  if (text === 'group') return { groupCommit: {} };
  throw new AinError('BAD_CONFIG', `${source} is "${text}"; use always, group or never.`);
}

function envValue(name: string, text: string, kind: EnvKind): unknown {
  if (kind === 'string') return text;
  if (kind === 'threads' && text === 'none') return text;
  if (kind === 'threads' && !/^\d+$/.test(text)) throw new AinError('BAD_CONFIG', `${name} is "${text}"; it must be a whole number or none.`);
  if (kind === 'list')
    return text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  if (kind === 'fsync') return parseFsync(text, name);
  if (!/^\d+$/.test(text)) throw new AinError('BAD_CONFIG', `${name} is "${text}"; it must be a whole number.`);
  return Number(text);
}

function setPath(target: Json, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Json;
  node[path[path.length - 1]!] = value;
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const prior = out[key];
    const both = [prior, value].every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    out[key] = both ? merge(prior as Json, value as Json) : value;
  }
  return out;
}

/**
 * The node's config from a file, `AIN_*` variables and flags, validated once with a clear
 * `BAD_CONFIG` naming the field and where it came from.
 */
export async function loadConfig({ file, env = {}, flags = {} }: ConfigSources): Promise<NodeConfig> {
  let fromFile: Json = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw new AinError('BAD_CONFIG', `Config file ${file} cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'}).`, { cause });
    }
    try {
      fromFile = JSON.parse(text) as Json;
    } catch (cause) {
      throw new AinError('BAD_CONFIG', `Config file ${file} is not valid JSON: ${(cause as Error).message}.`, { cause });
    }
  }
  const fromEnv: Json = {};
  for (const [name, { path, kind }] of Object.entries(envFields)) {
    const text = env[name];
    if (text !== undefined && text !== '') setPath(fromEnv, path, envValue(name, text, kind));
  }
  const input = merge(merge(fromFile, fromEnv), flags as Json) as NodeConfigInput;
  const parsed = safeParse(NodeConfig, input);
  if (parsed.success) return parsed.data;
  const error = fromZodError(parsed.error, file === undefined ? 'config' : `config (file ${file}, AIN_* variables and flags)`);
  throw new AinError('BAD_CONFIG', error.message, { details: error.details, cause: error });
}

/** The config file a data dir may hold (`ain net init` writes one per node). */
export const dataDirConfigName = 'config.json';

/**
 * `<dataDir>/config.json` when the data dir has one, else undefined: `ain node --data DIR`
 * starts on that file without `--config`.
 * @example const file = values.config ?? (await configFileIn('net/n1'))
 */
export async function configFileIn(dataDir: string): Promise<string | undefined> {
  const file = join(dataDir, dataDirConfigName);
  try {
    await access(file);
    return file;
  } catch {
    return undefined;
  }
}
