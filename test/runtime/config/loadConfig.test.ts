import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAinError, kafkaTopicOf, topicOfAnotherChain } from '../../../schemas/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';

test('defaults fill everything but the data dir', async (t) => {
  const config = await loadConfig({ flags: { dataDir: '/tmp/x' } });
  t.like(config, { chain: 'ain-local', shard: '/', host: '127.0.0.1', port: 8080, maxTxBytes: 4096, block: { intervalMs: 1000 } });
  t.like(config.log, { kind: 'file', fsync: { groupCommit: { maxRecords: 4096, maxDelayMs: 0 } } });
});

test('flags win over AIN_* variables, which win over the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ain-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'ain.json');
  await writeFile(file, JSON.stringify({ dataDir: '/from/file', port: 1, chain: 'file-chain', block: { maxTxs: 7 } }));
  const config = await loadConfig({
    file,
    env: { AIN_PORT: '2', AIN_CHAIN: 'env-chain', AIN_FSYNC: 'always', AIN_BLOCK_INTERVAL_MS: '50' },
    flags: { port: 3 },
  });
  t.like(config, { dataDir: '/from/file', port: 3, chain: 'env-chain', block: { maxTxs: 7, intervalMs: 50 } });
  t.like(config.log, { kind: 'file', fsync: 'always' });
});

test('bad config is BAD_CONFIG with a sentence naming the field or variable', async (t) => {
  const cases: [Parameters<typeof loadConfig>[0], RegExp][] = [
    [{ flags: {} }, /dataDir/],
    [{ flags: { dataDir: 'd', port: 70000 } }, /port/],
    [{ flags: { dataDir: 'd', chain: 'Has Spaces' } }, /chain/],
    [{ env: { AIN_PORT: 'eighty' }, flags: { dataDir: 'd' } }, /AIN_PORT/],
    [{ env: { AIN_FSYNC: 'sometimes' }, flags: { dataDir: 'd' } }, /AIN_FSYNC/],
    [{ env: { AIN_VERIFY_THREADS: 'all' }, flags: { dataDir: 'd' } }, /AIN_VERIFY_THREADS is "all"; it must be a whole number or none/],
    [{ flags: { dataDir: 'd', verifyThreads: 'inline' } }, /verifyThreads": must be a whole number from 0 to 256, or "none"/],
    [{ flags: { dataDir: 'd', surprise: true } }, /surprise/],
    [{ file: '/nonexistent/ain.json' }, /cannot be read/],
  ];
  for (const [sources, pattern] of cases) {
    const error = await t.throwsAsync(loadConfig(sources));
    t.true(isAinError(error, 'BAD_CONFIG'), String(pattern));
    t.regex(error!.message, pattern);
  }
});

test('a bad value is blamed on the source it came from: the flag over the variable over the file, every source of an object merged from several', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ain-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify({ dataDir: 'd', port: 8080, block: { maxTxs: -1 }, log: { fsync: 'always' } }));
  const cases: [Parameters<typeof loadConfig>[0], string][] = [
    [{ file, flags: { port: 99999, block: { maxTxs: 5 } } }, 'config (from the command line) field "port"'],
    [{ file, env: { AIN_PORT: '70000', AIN_BLOCK_MAX_TXS: '5' } }, 'config (from AIN_PORT="70000") field "port"'],
    [{ file }, `config (from file ${file}) field "block.maxTxs"`],
    [{ file, env: { AIN_KAFKA_TOPIC: 't' }, flags: { block: { maxTxs: 5 } } }, `config (from AIN_* variables, file ${file}) field "log"`],
  ];
  for (const [sources, said] of cases) {
    const error = await t.throwsAsync(loadConfig(sources));
    t.true(isAinError(error, 'BAD_CONFIG'), said);
    t.true(error!.message.startsWith(said), `${said} / ${error!.message}`);
  }
  // A file that is JSON but no object is refused as such (it used to run on the defaults, or name a key "0").
  for (const [text, what] of [
    ['[]', 'an array'],
    ['null', 'null'],
    ['5', 'a number'],
    ['"x"', 'a string'],
  ] as const) {
    await writeFile(file, text);
    const error = await t.throwsAsync(loadConfig({ file, flags: { dataDir: 'd' } }));
    t.true(isAinError(error, 'BAD_CONFIG'));
    t.is(error!.message, `Config file ${file} holds ${what}; a config is a JSON object of NodeConfig's fields ({ "port": 8080, … }).`);
  }
  // A required field no source set names them all.
  await writeFile(file, JSON.stringify({ port: 8080 }));
  const missing = await t.throwsAsync(loadConfig({ file, env: {} }));
  t.true(missing!.message.startsWith(`config (file ${file}, AIN_* variables and flags) field "dataDir"`), missing!.message);
});

test('verify threads: one per core by default, a number, or none (the checks on the node’s own thread)', async (t) => {
  t.is((await loadConfig({ flags: { dataDir: 'd' } })).verifyThreads, 0);
  t.is((await loadConfig({ env: { AIN_VERIFY_THREADS: '3' }, flags: { dataDir: 'd' } })).verifyThreads, 3);
  t.is((await loadConfig({ env: { AIN_VERIFY_THREADS: 'none' }, flags: { dataDir: 'd' } })).verifyThreads, 'none');
  t.is((await loadConfig({ flags: { dataDir: 'd', verifyThreads: 'none' } })).verifyThreads, 'none');
});

test('the Kafka log from AIN_LOG and AIN_KAFKA_BROKERS, or from the file; bad brokers are BAD_CONFIG', async (t) => {
  const config = await loadConfig({ env: { AIN_LOG: 'kafka', AIN_KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.1:9093' }, flags: { dataDir: '/tmp/x' } });
  t.like(config.log, { kind: 'kafka', brokers: ['127.0.0.1:9092', '127.0.0.1:9093'], replicationFactor: 1, compression: 'none' });
  const bad = await t.throwsAsync(loadConfig({ flags: { dataDir: '/tmp/x', log: { kind: 'kafka', brokers: ['nowhere'] } } }));
  t.true(isAinError(bad, 'BAD_CONFIG'));
  t.regex(bad!.message, /brokers/);
  const none = await t.throwsAsync(loadConfig({ flags: { dataDir: '/tmp/x', log: { kind: 'kafka', brokers: [] } } }));
  t.true(isAinError(none, 'BAD_CONFIG'));
  // The genesis in the name: a path branched again, or a chain made again under its name, gets a topic of its own.
  const genesis = '3f9c0a12d4e5b6a7'.padEnd(64, '0');
  t.is(kafkaTopicOf('ain-local', '/', genesis), 'ain.ain-local.root.3f9c0a12d4e5b6a7');
  t.is(kafkaTopicOf('ain-local', '/apps/chat', genesis), 'ain.ain-local.apps.chat.3f9c0a12d4e5b6a7');
  t.not(kafkaTopicOf('ain-local', '/apps/chat', 'e'.repeat(64)), kafkaTopicOf('ain-local', '/apps/chat', genesis));
  const deep = kafkaTopicOf('c'.repeat(64), `/${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(60)}`, genesis);
  t.is(deep.length, 249, 'cut to Kafka’s limit');
  t.true(deep.endsWith('.3f9c0a12d4e5b6a7'), 'the genesis kept');
  // A topic named so for another genesis holds another chain: refused, naming both; other names are the operator's.
  t.is(topicOfAnotherChain('ain.ain-local.root.3f9c0a12d4e5b6a7', genesis), undefined);
  t.is(topicOfAnotherChain('payments-ledger', genesis), undefined);
  const other = topicOfAnotherChain('ain.ain-local.root.e0e0e0e0e0e0e0e0', genesis);
  t.true(isAinError(other, 'GENESIS_MISMATCH'));
  t.regex(
    other?.message ?? '',
    /^Kafka topic ain\.ain-local\.root\.e0e0e0e0e0e0e0e0 is named for the chain of genesis e0e0e0e0e0e0e0e0… .*not of the genesis given \(3f9c0a12d4e5b6a7…\)/,
  );
});

test('Big Storage reservations: none granted by the config by default (room is bought on the ledger); a table set in the config grants what it says', async (t) => {
  const defaults = await loadConfig({ flags: { dataDir: '/tmp/x' } });
  t.deepEqual(defaults.storage.reservations, {});
  const alice = `0x${'a'.repeat(40)}`;
  const dir = await mkdtemp(join(tmpdir(), 'ain-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'ain.json');
  await writeFile(file, JSON.stringify({ dataDir: dir, storage: { reservations: { [alice]: { bytesMax: 1000, ttlMs: 60_000, readers: ['*'] } } } }));
  const set = await loadConfig({ file });
  t.deepEqual(set.storage.reservations, { [alice]: { bytesMax: 1000, ttlMs: 60_000, readers: ['*'] } });
  const none = await loadConfig({ flags: { dataDir: '/tmp/x', storage: { reservations: {} } } });
  t.deepEqual(none.storage.reservations, {}, 'an empty table grants nobody anything');
});

test('bad Big Storage reservations are BAD_CONFIG with a sentence naming the entry and what to write', async (t) => {
  const cases: [unknown, RegExp][] = [
    [
      { alice: { bytesMax: 1, ttlMs: 1 } },
      /storage\.reservations\.alice.*"alice" is not an address: use "node" \(the node's own key\) or "0x" followed by 40 lowercase hex characters/,
    ],
    [{ [`0x${'A'.repeat(40)}`]: { bytesMax: 1, ttlMs: 1 } }, /is not an address/],
    [{ node: { bytesMax: 0, ttlMs: 1 } }, /storage\.reservations\.node\.bytesMax.*at least 1 byte/],
    [{ node: { bytesMax: 2 ** 51, ttlMs: 1 } }, /bytesMax.*at most 2\^50 bytes/],
    [{ node: { bytesMax: 1, ttlMs: 11 * 365 * 86_400_000 } }, /storage\.reservations\.node\.ttlMs.*ten years/],
    [{ node: { bytesMax: 1 } }, /storage\.reservations\.node\.ttlMs/],
    [{ node: { bytesMax: 1, ttlMs: 1, readers: ['bob'] } }, /readers\[0\].*an address .* or "\*"/],
    [{ node: { bytesMax: 1, ttlMs: 1, quota: 5 } }, /storage\.reservations\.node.*quota/],
    [[], /storage\.reservations/],
  ];
  for (const [reservations, pattern] of cases) {
    const error = await t.throwsAsync(loadConfig({ flags: { dataDir: 'd', storage: { reservations } } }));
    t.true(isAinError(error, 'BAD_CONFIG'), String(pattern));
    t.regex(error!.message, pattern);
  }
});

test('p2p: a node announces its listen address and dials learned addresses unless the config says otherwise', async (t) => {
  const plain = await loadConfig({ flags: { dataDir: 'd', p2p: { port: 9001 } } });
  t.like(plain.p2p, { announce: [], dialConfiguredOnly: false });
  const behind = await loadConfig({
    flags: { dataDir: 'd', p2p: { port: 9001, announce: ['/ip4/203.0.113.7/tcp/26656', '/dns4/val.example/tcp/26656'], dialConfiguredOnly: true } },
  });
  t.like(behind.p2p, { announce: ['/ip4/203.0.113.7/tcp/26656', '/dns4/val.example/tcp/26656'], dialConfiguredOnly: true });
});

test('p2p: bad announce addresses and a dialConfiguredOnly that is not a boolean are BAD_CONFIG with a sentence naming the field', async (t) => {
  const peerId = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ announce: [`/ip4/203.0.113.7/tcp/26656/p2p/${peerId}`] }, /p2p\.announce\[0\].*without a peer id.*adds its own/],
    [{ announce: ['203.0.113.7:26656'] }, /p2p\.announce\[0\].*TCP multiaddr/],
    [{ announce: ['/ip4/203.0.113.7/udp/26656'] }, /p2p\.announce\[0\]/],
    [{ announce: ['/ip4/203.0.113.7/tcp/1', '/ip4/203.0.113.7/tcp/1'] }, /p2p\.announce.*must not name an address twice/],
    [{ announce: Array.from({ length: 17 }, (_, i) => `/ip4/203.0.113.7/tcp/${i + 1}`) }, /p2p\.announce/],
    [{ dialConfiguredOnly: 'yes' }, /p2p\.dialConfiguredOnly.*must be true or false/],
  ];
  for (const [p2p, pattern] of cases) {
    const error = await t.throwsAsync(loadConfig({ flags: { dataDir: 'd', p2p: { port: 9001, ...p2p } } }));
    t.true(isAinError(error, 'BAD_CONFIG'), String(pattern));
    t.regex(error!.message, pattern);
  }
});
