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
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new AinError('BAD_CONFIG', `Config file ${file} is not valid JSON: ${(cause as Error).message}.`, { cause });
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      const what = json === null ? 'null' : Array.isArray(json) ? 'an array' : `a ${typeof json}`;
      throw new AinError('BAD_CONFIG', `Config file ${file} holds ${what}; a config is a JSON object of NodeConfig's fields ({ "port": 8080, … }).`);
    }
    fromFile = json as Json;
  }
  const fromEnv: Json = {};
  for (const [name, { path, kind }] of Object.entries(envFields)) {
    const text = env[name];
    if (text !== undefined && text !== '') setPath(fromEnv, path, envValue(name, text, kind));
  }
  const input = merge(merge(fromFile, fromEnv), flags as Json) as NodeConfigInput;
  const parsed = safeParse(NodeConfig, input);
  if (parsed.success) return parsed.data;
  const path = (parsed.error.issues[0]?.path ?? []).map(String);
  const error = fromZodError(parsed.error, `config${sourceOf(path, { file, fromFile, fromEnv, flags: flags as Json, env })}`);
  throw new AinError('BAD_CONFIG', error.message, { details: error.details, cause: error });
}

/** The value at `path` in `source`, undefined when it has none there. */
function valueAt(source: Json, path: readonly string[]): unknown {
  let node: unknown = source;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

/**
 * Where the value of the field at `path` came from, as the error says it: the source that won
 * (flags over the environment over the file) for a single value, so a bad `--port` is not blamed
 * on the config file; every source that gave part of it for an object they were merged into; and
 * for a field none of them set (a required one missing), every source there was.
 */
function sourceOf(path: readonly string[], s: { file?: string; fromFile: Json; fromEnv: Json; flags: Json; env: Record<string, string | undefined> }): string {
  const all = s.file === undefined ? '' : ` (file ${s.file}, AIN_* variables and flags)`;
  if (path.length === 0) return all;
  const envName = Object.keys(envFields).find((name) => envFields[name]!.path.join('.') === path.slice(0, envFields[name]!.path.length).join('.'));
  const givers = [
    valueAt(s.flags, path) !== undefined ? 'the command line' : undefined,
    valueAt(s.fromEnv, path) === undefined ? undefined : envName === undefined ? 'AIN_* variables' : `${envName}=${JSON.stringify(s.env[envName])}`,
    s.file !== undefined && valueAt(s.fromFile, path) !== undefined ? `file ${s.file}` : undefined,
  ].filter((giver) => giver !== undefined);
  if (givers.length === 0) return all;
  const value = valueAt(s.flags, path) ?? valueAt(s.fromEnv, path) ?? valueAt(s.fromFile, path);
  const merged = typeof value === 'object' && value !== null && !Array.isArray(value);
  return ` (from ${merged ? givers.join(', ') : givers[0]})`;
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
