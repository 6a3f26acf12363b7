import test from 'ava';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { generateKeyPair } from '../../../log/index.ts';
import { getAccount } from '../../../runtime/client/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { writeKeyFile } from '../../../runtime/keys/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';
import { tempDir } from './helpers.ts';

// `ain storage offer|reserve|show` against a dev node, whose genesis makes it a provider, and `ain blob put` into the room reserved.

const ain = join(process.cwd(), 'bin', 'ain.js');
const alice = generateKeyPair();
const bob = generateKeyPair();
let node: AinNode;
let dir: string;
let removeDir: () => Promise<void>;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [ain, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test.before(async () => {
  ({ dir, remove: removeDir } = await tempDir('storage-cli'));
  const config = await loadConfig({ flags: { dataDir: join(dir, 'node'), port: 0, verifyThreads: 1, block: { intervalMs: 50 } } });
  node = await startNode({ config, logger: pino({ level: 'silent' }) });
  await writeKeyFile(join(dir, 'alice.key'), alice);
  await node.submit({ type: 'send', to: alice.address, amount: '100' });
  const deadline = Date.now() + 20_000;
  while ((await getAccount({ url: node.url }, { address: alice.address })).balance !== '100') {
    if (Date.now() > deadline) throw new Error('alice was not funded');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
});
test.after.always(async () => {
  await node?.stop();
  await removeDir?.();
});

test('reserve room on the node, put a blob into it, see it with show; refusals are their codes', async (t) => {
  const shown = await run(['storage', 'show', '--node', node.url]);
  t.is(shown.code, 0, shown.stderr);
  t.regex(shown.stdout, new RegExp(`${node.key.address} +1000 +68719476736 +0`), 'the dev genesis: the node sells 64 GiB at 1000 AIN per GiB-day');

  const reserved = await run([
    'storage',
    'reserve',
    '--bytes',
    String(2 ** 20),
    '--ttl-ms',
    '86400000',
    '--readers',
    '*',
    '--key',
    join(dir, 'alice.key'),
    '--node',
    node.url,
  ]);
  t.is(reserved.code, 0, reserved.stderr);
  t.regex(
    reserved.stdout,
    new RegExp(`Reserved 1048576 bytes for ${alice.address} in ${node.key.address}'s Big Storage for 86400000 ms: paid 1 AIN at 1000 AIN per GiB-day`),
  );
  t.is((await getAccount({ url: node.url }, { address: alice.address })).balance, '99');

  const file = join(dir, 'data.txt');
  await writeFile(file, 'kept in the room alice paid for');
  const put = await run(['blob', 'put', file, '--key', join(dir, 'alice.key'), '--node', node.url, '--json']);
  t.is(put.code, 0, put.stderr);

  const mine = await run(['storage', 'show', alice.address, '--node', node.url, '--json']);
  t.is(mine.code, 0, mine.stderr);
  const answer = JSON.parse(mine.stdout) as { reservations: { provider: string; grant: { bytes: number; acl?: string; payer: string } }[] };
  t.deepEqual(
    answer.reservations.map((r) => [r.provider, r.grant.bytes, r.grant.acl, r.grant.payer]),
    [[node.key.address, 2 ** 20, '*', alice.address]],
  );

  const offered = await run(['storage', 'offer', '--price', '5', '--bytes', '1000', '--key', join(dir, 'alice.key'), '--node', node.url]);
  t.is(offered.code, 0, offered.stderr);
  t.regex(offered.stdout, /sells up to 1000 bytes of Big Storage at 5 AIN per GiB-day/);
  const noOffer = await run([
    'storage',
    'reserve',
    '--provider',
    bob.address,
    '--bytes',
    '1',
    '--ttl-ms',
    '1',
    '--key',
    join(dir, 'alice.key'),
    '--node',
    node.url,
  ]);
  t.is(noOffer.code, 1);
  t.regex(noOffer.stderr, /^error NO_STORAGE_OFFER: .*sells no Big Storage/);
  const full = await run([
    'storage',
    'reserve',
    '--provider',
    alice.address,
    '--bytes',
    '1001',
    '--ttl-ms',
    '1',
    '--key',
    join(dir, 'alice.key'),
    '--node',
    node.url,
  ]);
  t.regex(full.stderr, /^error STORAGE_FULL: /);
  const bad = await run(['storage', 'reserve', '--bytes', '1', '--ttl-ms', '1', '--readers', 'alice', '--key', join(dir, 'alice.key'), '--node', node.url]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /^error BAD_SCHEMA: .*acl/);
  const usage = await run(['storage', 'reserve', '--key', join(dir, 'alice.key'), '--node', node.url]);
  t.regex(usage.stderr, /needs --bytes N/);
});
