import test from 'ava';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../../../log/index.ts';
import { main } from '../../../runtime/cli/main.ts';
import { defaultShardRules, initShard } from '../../../runtime/config/index.ts';
import { isAinError } from '../../../schemas/index.ts';

// `ain net init --shard`: what is refused before the parent is asked or anything written. The
// branch itself, against a running parent, is in test/runtime/node/shardReporter.e2e.test.ts.

async function tempDir(t: { teardown(fn: () => unknown): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'ain-shardinit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const owner = generateKeyPair();
/** A port nothing listens on (the parent is never reached in these tests). */
const parents = ['http://127.0.0.1:9'];

test('a path, rules, stake or parent URL that cannot work is BAD_CONFIG naming it, and nothing is written', async (t) => {
  const dir = join(await tempDir(t), 'x');
  const cases: [Parameters<typeof initShard>[0], RegExp][] = [
    [{ dir, shard: '/', validators: 3, parents, owner }, /root \/ is the parent chain itself/],
    [{ dir, shard: 'apps/x', validators: 3, parents, owner }, /shard path/],
    [{ dir, shard: '/apps/x', validators: 3, parents: ['127.0.0.1:8080'], owner }, /parent URLs.*node URL/],
    [{ dir, shard: '/apps/x', validators: 3, parents: [], owner }, /parent URLs/],
    [{ dir, shard: '/apps/x', validators: 3, parents, owner, rules: { ...defaultShardRules, reportPeriodMs: 10 } }, /reportPeriodMs/],
    [{ dir, shard: '/apps/x', validators: 3, parents, owner, stake: '0' }, /stake/],
    [{ dir, shard: '/apps/x', validators: 0, parents, owner }, /1 to 64 validators/],
    [{ dir, shard: '/apps/x', validators: 3, parents, owner, log: { kind: 'kafka', brokers: [] } }, /brokers/],
  ];
  for (const [parameters, message] of cases) {
    const error = await t.throwsAsync(initShard(parameters));
    t.true(isAinError(error, 'BAD_CONFIG'), `${error?.message}`);
    t.regex(error!.message, message);
  }
  t.deepEqual(await readdir(dir).catch(() => []), []);
});

test('no parent answering is NODE_UNREACHABLE naming them, and nothing is written', async (t) => {
  const dir = join(await tempDir(t), 'x');
  const error = await t.throwsAsync(initShard({ dir, shard: '/apps/x', validators: 2, parents, owner, basePort: 30_000 }));
  t.true(isAinError(error, 'NODE_UNREACHABLE'));
  t.regex(error!.message, /No parent node answers \(http:\/\/127\.0\.0\.1:9\)/);
  t.deepEqual(await readdir(dir).catch(() => []), []);
});

test('the CLI: --shard needs --parent and --key; root-only flags do not go with it, nor shard-only flags without it', async (t) => {
  const dir = join(await tempDir(t), 'x');
  const key = join(dir, '..', 'owner.key');
  await writeFile(key, '{}');
  const usage = async (args: string[], message: RegExp) => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => lines.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      t.is(await main(['net', 'init', ...args]), 2, args.join(' '));
    } finally {
      process.stderr.write = write;
    }
    t.regex(lines.join(''), message);
  };
  await usage(['--shard', '/apps/x', '--validators', '3', '--dir', dir, '--key', key], /needs --parent URL/);
  await usage(['--shard', '/apps/x', '--validators', '3', '--dir', dir, '--parent', parents[0]!], /needs --key FILE/);
  await usage(
    ['--shard', '/apps/x', '--validators', '3', '--dir', dir, '--parent', parents[0]!, '--key', key, '--chain', 'c'],
    /--chain does not go with --shard/,
  );
  await usage(['--validators', '3', '--dir', dir, '--parent', parents[0]!], /--parent goes with --shard PATH/);
  await usage(
    ['--shard', '/apps/x', '--validators', '3', '--dir', dir, '--parent', parents[0]!, '--key', key, '--log', 'kafka'],
    /--log kafka needs --brokers/,
  );
  t.deepEqual(await readdir(dir).catch(() => []), []);
});
