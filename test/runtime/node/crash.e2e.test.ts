import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, signTx, txHashOf, type KeyPair } from '../../../log/index.ts';
import { auditDataDir } from '../../../runtime/audit/index.ts';
import { loadOrCreateKeyFile } from '../../../runtime/keys/index.ts';
import { nodeProcessFlags } from '../../../runtime/config/index.ts';
import { devGenesis } from '../../../actors/index.ts';
import type { Tx } from '../../../schemas/index.ts';
import { freePort, until } from './nodeProcess.ts';

// A node process killed with SIGKILL under load: it restarts from its snapshot and log, loses no
// acknowledged tx, applies none twice, and reaches the root a full replay from genesis reaches.
const bin = join(process.cwd(), 'bin', 'ain.js');
const batches = 24;
const batchTxs = 50;

async function startProcess(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeProcessFlags, bin, 'node', '--data', dataDir, '--port', String(port), '--block-interval-ms', '40'], {
    env: { ...process.env, AIN_SNAPSHOT_EVERY_BLOCKS: '3', AIN_VERIFY_THREADS: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 400; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/v1/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return child;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  throw new Error('the node process did not answer within 10 s');
}

function txsOf(client: KeyPair, batch: number): Tx[] {
  return Array.from({ length: batchTxs }, (_, j) => {
    const i = batch * batchTxs + j;
    return signTx({
      key: client,
      op: {
        type: 'set',
        ops: [
          { type: 'set_value', path: `/apps/load/k/${i}`, value: i },
          { type: 'inc_value', path: '/apps/load/count', value: 1 },
        ],
      },
      nonce: i + 1,
      time: i,
    });
  });
}

test('SIGKILL during load: restart from snapshot + log, every acknowledged tx applied exactly once, same root as a full replay', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ain-crash-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // A dev genesis in which the client holds AIN: its 1200 txs need more than a new address's free bandwidth.
  const { key: owner } = await loadOrCreateKeyFile(join(dataDir, 'node.key'));
  const client = generateKeyPair();
  const dev = devGenesis(owner.address, { chain: 'ain-local' });
  await writeFile(
    join(dataDir, 'genesis.json'),
    JSON.stringify({ ...dev, accounts: { ...dev.accounts, [client.address]: { balance: '10000000', stake: '0' } } }),
  );
  let child = await startProcess(dataDir, port);
  t.teardown(() => void child.kill('SIGKILL'));
  const rule = signTx({ key: owner, op: { type: 'set_rule', path: '/apps/load', value: { write: true } }, nonce: 1, time: 1 });
  t.is((await fetch(`${url}/v1/tx`, { method: 'POST', body: JSON.stringify(rule) })).status, 202);

  const acknowledged = new Set<number>();
  const post = async (batch: number) => {
    const response = await fetch(`${url}/v1/txs`, { method: 'POST', body: JSON.stringify(txsOf(client, batch)) });
    if (response.status !== 202 || ((await response.json()) as { refused: number }).refused > 0) return false;
    for (let j = 0; j < batchTxs; j++) acknowledged.add(batch * batchTxs + j);
    return true;
  };
  // Load, and a kill while batches are in flight once a snapshot exists.
  let batch = 0;
  for (; batch < batches / 2; batch++) await post(batch);
  await until(async () => (await readdir(join(dataDir, 'snapshots')).catch(() => [])).length > 0, 'a snapshot before the kill');
  const inFlight = [post(batch), post(batch + 1)].map((p) => p.catch(() => false));
  await new Promise((r) => setTimeout(r, 2));
  const killed = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await Promise.all(inFlight);
  await killed;

  child = await startProcess(dataDir, port);
  const restored = (await (await fetch(`${url}/v1/status`)).json()) as { restoredFrom: number };
  t.true(restored.restoredFrom > 0, 'the restart loaded a snapshot');
  // The client retries what it does not know landed (a copy of a written tx is DUPLICATE_TX), then goes on.
  for (; batch < batches; batch++) t.true(await post(batch), `batch ${batch} after the restart`);
  const lastTx = txsOf(client, batches - 1).at(-1)!;
  await until(async () => (await fetch(`${url}/v1/tx/${txHashOf(lastTx)}`)).status === 200, 'the last tx to land');
  const proof = await fetch(`${url}/v1/proof/apps/load/count`);
  t.is(proof.status, 200);
  const { value: count } = (await proof.json()) as { value: number };
  const keys = Object.keys(((await (await fetch(`${url}/v1/state/apps/load/k`)).json()) as { value: Record<string, number> }).value);
  t.is(acknowledged.size, batches * batchTxs);
  t.is(keys.length, acknowledged.size, 'every acknowledged tx is in the state');
  t.is(count, keys.length, 'and none was applied twice');
  const status = (await (await fetch(`${url}/v1/status`)).json()) as { height: number };
  const root = ((await (await fetch(`${url}/v1/blocks/${status.height}`)).json()) as { header: { stateRoot: string } }).header.stateRoot;

  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  const report = await auditDataDir({ dataDir, threads: 1 });
  t.true(report.ok, JSON.stringify(report.mismatches.slice(0, 3)));
  t.true(report.blocks >= status.height);
  if (report.blocks === status.height) t.is(report.stateRoot, root, 'a full replay from genesis reaches the same root');
});
