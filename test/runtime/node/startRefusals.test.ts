import test from 'ava';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { generateKeyPair } from '../../../log/index.ts';
import { initNetwork, loadConfig } from '../../../runtime/config/index.ts';
import { writeKeyFile } from '../../../runtime/keys/index.ts';
import { protocolFileName, startNode } from '../../../runtime/node/index.ts';
import { isAinError, type ErrorCode } from '../../../schemas/index.ts';
import { tempDir } from '../mempool/fixtures.ts';

// What a node refuses to start on, before it opens anything, because starting would change what
// the data dir is: another identity, a fork of a network's log, a new chain from a typo.

const silent = pino({ level: 'silent' });

async function refused(t: import('ava').ExecutionContext, flags: Record<string, unknown>, code: ErrorCode, message: RegExp, file?: string) {
  const error = await t.throwsAsync(startNode({ config: await loadConfig({ file, flags: { port: 0, ...flags } }), logger: silent }));
  t.true(isAinError(error, code), String(error));
  t.regex(error!.message, message);
}

test('a data dir a node ran on whose node.key is gone is KEY_MISSING, not a node with a new identity', async (t) => {
  const dataDir = join(await tempDir(t), 'node');
  await mkdir(dataDir);
  await writeFile(join(dataDir, protocolFileName), JSON.stringify({ protocol: 3 }));
  await refused(t, { dataDir }, 'KEY_MISSING', /node\.key does not exist, but a node ran on .*Restore node\.key from a backup/);
  await t.throwsAsync(access(join(dataDir, 'node.key')), undefined, 'no key was written');
});

test('a data dir a node ran on whose genesis.json is gone is BAD_GENESIS, not a new dev chain written in its place', async (t) => {
  const dataDir = join(await tempDir(t), 'node');
  await mkdir(dataDir);
  await writeFile(join(dataDir, protocolFileName), JSON.stringify({ protocol: 3 }));
  await writeKeyFile(join(dataDir, 'node.key'), generateKeyPair());
  await refused(
    t,
    { dataDir },
    'BAD_GENESIS',
    /genesis\.json does not exist, but a node ran on .*Restore genesis\.json from a backup or from another node of its network/,
  );
  await t.throwsAsync(access(join(dataDir, 'genesis.json')), undefined, 'no genesis was written');
});

test('a node of a network started without its p2p section is BAD_CONFIG: on its own it would fork the log', async (t) => {
  const dir = join(await tempDir(t), 'net');
  await initNetwork({ dir, validators: 2, basePort: 23_400 });
  const dataDir = join(dir, 'n1');
  // Its genesis has two validators (its config.json, which has the p2p section, is not read here).
  await refused(t, { dataDir }, 'BAD_CONFIG', /is a node of a network \(its genesis has 2 validators\), but its config has no p2p section/);
  // A dev node's data dir that ran consensus before (its signing record's directory) is refused alike.
  const dev = join(await tempDir(t), 'dev');
  await mkdir(join(dev, 'consensus'), { recursive: true });
  await refused(t, { dataDir: dev }, 'BAD_CONFIG', /is a node of a network \(it took part in its consensus\)/);
});

test('a data dir that is a file, or a --genesis that does not exist, is refused with a sentence, and nothing is written', async (t) => {
  const root = await tempDir(t);
  const file = join(root, 'me.key');
  await writeFile(file, 'x');
  await refused(t, { dataDir: file }, 'BAD_CONFIG', /is a file \(or lies under one\), not a directory/);
  const dataDir = join(root, 'node');
  const missing = join(root, 'none.json');
  await refused(t, { dataDir, genesis: missing }, 'BAD_GENESIS', /none\.json does not exist; a genesis named by --genesis .* is read, never written/);
  await t.throwsAsync(access(missing), undefined, 'no genesis was written there');
});
