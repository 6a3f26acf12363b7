// Target `config`: node configs from a file, AIN_* variables and flags through loadConfig. It
// refuses only with BAD_CONFIG; a config it accepts, written back as a file, loads to itself.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfig } from '../../../runtime/config/index.ts';
import {
  applyFieldEdit,
  awkwardJson,
  awkwardNumber,
  awkwardString,
  copyJson,
  editedText,
  fieldEdit,
  garbageText,
  jsonText,
  textForm,
} from '../../arbitraries/json.ts';
import { attemptAsync, diverge, type Target } from '../../harness.ts';

const edge = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: good, weight: 20 }, { arbitrary: fc.oneof(awkwardNumber, awkwardString, awkwardJson) as fc.Arbitrary<unknown>, weight: 1 });
/** A whole number in [min, max], at its ends most often; now and then just outside. */
const range = (min: number, max: number) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(min, max), weight: 10 },
    { arbitrary: fc.integer({ min, max }), weight: 15 },
    { arbitrary: fc.constantFrom(min - 1, max + 1), weight: 1 },
  );
const fsync = edge(
  fc.oneof(
    fc.constantFrom('always', 'never', 'group'),
    fc.record({ groupCommit: fc.record({ maxRecords: range(1, 1_000_000), maxDelayMs: range(0, 1000) }, { requiredKeys: [] }) }),
  ),
);
const log = fc.oneof(
  fc.record({ kind: fc.constant('file'), fsync, segmentBytes: range(4096, 2 ** 40) }, { requiredKeys: [] }),
  fc.record(
    {
      kind: fc.constant('kafka'),
      brokers: edge(fc.array(edge(fc.constantFrom('127.0.0.1:9092', 'h:1', '[::1]:9092')), { minLength: 1, maxLength: 3 })),
      topic: edge(fc.constantFrom('t', 'a.b_c-d', 'x'.repeat(249))),
      replicationFactor: range(1, 16),
      compression: edge(fc.constantFrom('none', 'gzip', 'zstd')),
    },
    { requiredKeys: ['kind'] },
  ),
);
const config = fc.record(
  {
    chain: edge(fc.constantFrom('ain-local', 'c', 'a.b_c-d')),
    shard: edge(fc.constantFrom('/', '/apps')),
    dataDir: edge(fc.constantFrom('/tmp/ain-fuzz-config', '.')),
    genesis: edge(fc.constantFrom('genesis.json', 'g')),
    snapshot: fc.record({ everyBlocks: range(1, 1_000_000), keep: range(1, 100) }, { requiredKeys: [] }),
    host: edge(fc.constantFrom('127.0.0.1', '::1')),
    port: range(0, 65_535),
    log,
    block: fc.record({ maxTxs: range(1, 100_000), maxBytes: range(1024, 256 * 1024 * 1024), intervalMs: range(10, 3_600_000) }, { requiredKeys: [] }),
    maxTxBytes: range(256, 1024 * 1024),
    maxBatchTxs: range(1, 100_000),
    verifyThreads: range(0, 256),
    p2p: fc.record(
      {
        port: range(0, 65_535),
        bootstrap: edge(
          fc.array(
            edge(
              fc.constantFrom(
                '/ip4/127.0.0.1/tcp/9001',
                '/ip6/::1/tcp/1',
                '/dns4/node-b.example/tcp/65535',
                '/ip4/127.0.0.1/tcp/9002/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA',
                '/ip4/127.0.0.1/udp/9001',
              ),
            ),
            { maxLength: 3 },
          ),
        ),
      },
      { requiredKeys: ['port'] },
    ),
  },
  { requiredKeys: ['dataDir'] },
);
/** AIN_* variables with values that suit each, now and then one that does not. */
const envGood: Record<string, readonly string[]> = {
  AIN_DATA: ['/tmp/x'],
  AIN_HOST: ['127.0.0.1'],
  AIN_PORT: ['0', '8080', '65535'],
  AIN_CHAIN: ['ain-local'],
  AIN_SHARD: ['/', '/apps'],
  AIN_FSYNC: ['always', 'group', 'never'],
  AIN_BLOCK_INTERVAL_MS: ['10', '1000'],
  AIN_BLOCK_MAX_TXS: ['1', '100000'],
  AIN_MAX_TX_BYTES: ['256', '4096'],
  AIN_VERIFY_THREADS: ['0', '2'],
  AIN_GENESIS: ['g.json'],
  AIN_LOG: ['file', 'kafka'],
  AIN_KAFKA_BROKERS: ['h:1, ,h:2', '127.0.0.1:9092'],
  AIN_KAFKA_TOPIC: ['t'],
  AIN_SNAPSHOT_EVERY_BLOCKS: ['1', '100'],
  AIN_OTHER: ['x'],
};
const envEntry = fc.constantFrom(...Object.keys(envGood)).chain((name) =>
  fc.tuple(
    fc.constant(name),
    edge(fc.constantFrom('', ...envGood[name]!)).map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))),
  ),
);
export interface ConfigInput {
  /** The config file's text, or no file. */
  readonly file: string | null;
  readonly env: Readonly<Record<string, string>>;
  readonly flags: Readonly<Record<string, unknown>>;
}

export const configTarget: Target<ConfigInput, string> = {
  name: 'config',
  about: 'config files (structured, edited, garbage), AIN_* variables and flags through loadConfig, and the round trip of what it accepts',
  inputMs: 500,
  pure: true,
  arbitrary: fc.record({
    file: fc.oneof(
      {
        arbitrary: fc
          .tuple(config, fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, { arbitrary: fc.array(fieldEdit, { maxLength: 2 }), weight: 1 }), textForm)
          .map(([c, edits, form]) => {
            const copy = copyJson(c) as Record<string, unknown>;
            for (const e of edits) applyFieldEdit(copy, e);
            return jsonText(copy, form);
          }),
        weight: 6,
      },
      { arbitrary: editedText(config.map((c) => JSON.stringify(c))), weight: 1 },
      { arbitrary: garbageText, weight: 1 },
      { arbitrary: fc.constant(null), weight: 1 },
    ),
    env: fc.uniqueArray(envEntry, { maxLength: 3, selector: ([name]) => name }).map((entries) => Object.fromEntries(entries)),
    flags: fc.record(
      {
        dataDir: edge(fc.constantFrom('/tmp/ain-fuzz-flag', undefined)),
        port: range(0, 65_535),
        host: edge(fc.constant('0.0.0.0')),
        log,
        block: fc.record({ intervalMs: range(10, 3_600_000) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
  }),
  async setup() {
    return mkdtemp(join(tmpdir(), 'ain-fuzz-config-'));
  },
  async check(input, dir) {
    const file = join(dir, 'config.json');
    if (input.file !== null) await writeFile(file, input.file);
    const loaded = await attemptAsync(() => loadConfig({ file: input.file === null ? undefined : file, env: input.env, flags: input.flags }));
    if (!loaded.ok) {
      if (loaded.code !== 'BAD_CONFIG') diverge(`loadConfig refuses with ${loaded.code}, not BAD_CONFIG: ${loaded.message}`);
      return;
    }
    const again = join(dir, 'again.json');
    await writeFile(again, JSON.stringify(loaded.value));
    const reloaded = await attemptAsync(() => loadConfig({ file: again }));
    const [one, two] = [loaded.value, reloaded.ok ? reloaded.value : null].map((c) => JSON.stringify(c));
    if (one !== two)
      diverge(`the config loadConfig accepted, written back as a file, ${reloaded.ok ? `loads to ${two!.slice(0, 200)}` : `is refused: ${reloaded.message}`}`);
  },
  async finish(dir) {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    return [];
  },
};
