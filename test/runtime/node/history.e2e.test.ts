import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { generateKeyPair, signTx } from '../../../log/index.ts';
import { devGenesis } from '../../../actors/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { loadOrCreateKeyFile } from '../../../runtime/keys/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';

// A node's block history survives a restart: stop a node after 300 blocks with snapshots every
// 100, restart it on the same data dir, and block 1 and a tx of block 1 answer exactly as before.

const client = generateKeyPair();

async function text(node: AinNode, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(node.url + path);
  return { status: response.status, body: await response.text() };
}

/** Submits `count` txs of the client in one batch; with two txs a block that is 300 blocks and more. */
async function submit(node: AinNode, count: number): Promise<void> {
  const time = 1_764_000_000_000;
  const txs = Array.from({ length: count }, (_, i) =>
    signTx({ key: client, op: { type: 'set_value', path: `/apps/history/${i}`, value: i }, nonce: i + 1, time: time + i }),
  );
  const response = await fetch(`${node.url}/v1/txs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(txs) });
  if (response.status !== 202) throw new Error(`the batch was refused: ${response.status} ${await response.text()}`);
}

/** Resolves once `path` answers 200 (bounded): the background rebuild got there. */
async function rebuilt(node: AinNode, path: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await text(node, path)).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} still answers 404 after 30 s of rebuilding`);
}

/** Resolves once the node applied block `height` (bounded). */
const reached = (node: AinNode, height: number) =>
  node.ledger.height >= height
    ? Promise.resolve()
    : firstValueFrom(
        node.blocks$.pipe(
          filter((b) => b.header.height >= height),
          timeout(60_000),
        ),
      ).then(() => undefined);

test('a node stopped after 300 blocks (snapshots every 100) serves block 1 and its txs after a restart exactly as before', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ain-history-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  // A small block (two records) so 300 blocks come quickly; a small memory cache so block 1 also
  // leaves memory while the node runs.
  const config = await loadConfig({
    flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 10, maxTxs: 2 }, snapshot: { everyBlocks: 100 }, history: { cacheBlocksMax: 50 } },
  });
  // The client holds AIN: its 600 txs in a minute are past a new address's free bandwidth.
  const { key } = await loadOrCreateKeyFile(join(dataDir, 'node.key'));
  const genesis = devGenesis(key.address, { chain: config.chain, maxTxs: 2 });
  await writeFile(
    join(dataDir, 'genesis.json'),
    JSON.stringify({ ...genesis, accounts: { ...genesis.accounts, [client.address]: { balance: '1000000', stake: '0' } } }),
  );
  const logger = pino({ level: 'silent' });
  let node = await startNode({ config, logger });
  t.teardown(() => node.stop());
  await submit(node, 600);
  await reached(node, 300);

  const paths = ['/v1/blocks/1', '/v1/blocks?from=1&limit=100', '/v1/blocks?from=150&to=249'];
  const block1 = JSON.parse((await text(node, '/v1/blocks/1')).body) as { txs: { hash: string }[] };
  paths.push(...block1.txs.map((tx) => `/v1/tx/${tx.hash}`));
  const before = await Promise.all(paths.map((path) => text(node, path)));
  t.true(before.every((answer) => answer.status === 200));
  await node.stop();

  node = await startNode({ config, logger });
  const status = JSON.parse((await text(node, '/v1/status')).body) as { restoredFrom: number };
  t.true(status.restoredFrom >= 300, `restored from the snapshot at ${status.restoredFrom}`);
  t.deepEqual(await Promise.all(paths.map((path) => text(node, path))), before);
  await node.stop();

  // A data dir without a history (written by an older node) starts, serves what it has, and
  // rebuilds the rest from the log in the background.
  await rm(join(dataDir, 'history'), { recursive: true, force: true });
  node = await startNode({ config, logger });
  await rebuilt(node, '/v1/blocks/1');
  await rebuilt(node, paths.at(-1)!);
  t.deepEqual(await Promise.all(paths.map((path) => text(node, path))), before);
  await node.stop();

  // Rebuilt as the log says: without snapshots the node replays the whole log and rewrites every block.
  await rm(join(dataDir, 'snapshots'), { recursive: true, force: true });
  node = await startNode({ config, logger });
  await reached(node, status.restoredFrom);
  t.deepEqual(await Promise.all(paths.map((path) => text(node, path))), before);
});
