import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, signTx, txHashOf, type KeyPair } from '../../../log/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import { startNodeProcess, until, type NodeProcess } from './nodeProcess.ts';

// A node killed between snapshots restarts from its snapshot and replays its log, which holds its
// own attestations of every block since (and of its last block, not cut yet). Its validator
// resumes from what that ledger says it attested: no attestation of a block twice, none of a
// block outside the attest window, and finality goes on. In the dev genesis the node's key is the
// only validator, so every attest tx in these blocks is its own.
const snapshotEveryBlocks = 80;
// Far enough past the snapshot that the blocks just above it fell out of the attest window (64).
const killAboveHeight = snapshotEveryBlocks + 70;
const args = ['--block-interval-ms', '20'];
const env = { AIN_SNAPSHOT_EVERY_BLOCKS: String(snapshotEveryBlocks) };

interface Status {
  height: number;
  finalized: number;
  lastOffset: number;
  restoredFrom: number;
}
interface BlockOut {
  header: { height: number; lastOffset: number };
  txs: { hash: string; outcome: { code: string } }[];
}

/** Submits one load tx and waits (bounded) until it is in a block; returns that block's height. */
async function land(node: NodeProcess, client: KeyPair, i: number): Promise<number> {
  const tx = signTx({ key: client, op: { type: 'set_value', path: `/apps/load/${i}`, value: i }, nonce: i, time: i });
  const { status } = await node.post('/v1/tx', tx);
  if (status !== 202) throw new Error(`load tx ${i} was refused with HTTP ${status}`);
  let height = 0;
  await until(async () => {
    const found = await fetch(`${node.url}/v1/tx/${txHashOf(tx)}`);
    if (found.status === 200) height = ((await found.json()) as { height: number }).height;
    return height > 0;
  }, `load tx ${i} to land`);
  return height;
}

/** Every block the node holds from `from` to its latest, in pages the API allows. */
async function blocksFrom(node: NodeProcess, from: number): Promise<BlockOut[]> {
  const { height } = await node.get<Status>('/v1/status');
  const found: BlockOut[] = [];
  for (let lo = from; lo <= height; lo += 100) {
    found.push(...(await node.get<{ blocks: BlockOut[] }>(`/v1/blocks?from=${lo}&to=${Math.min(height, lo + 99)}`)).blocks);
  }
  return found;
}

test('a validator restarted between snapshots attests no block twice and none outside the window; finality goes on', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ain-validator-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  let node = await startNodeProcess(dataDir, args, env);
  t.teardown(() => node.kill('SIGKILL'));
  const owner = await readKeyFile(join(dataDir, 'node.key'));
  const client = generateKeyPair();
  const rule = signTx({ key: owner, op: { type: 'set_rule', path: '/apps/load', value: { write: true } }, nonce: 1, time: 1 });
  t.is((await node.post('/v1/tx', rule)).status, 202);

  // Load, one tx a block (each followed by a block of its attestation), up to the kill height.
  let i = 1;
  let lastLoadHeight = 0;
  while (lastLoadHeight < killAboveHeight) lastLoadHeight = await land(node, client, i++);
  t.true(lastLoadHeight < 2 * snapshotEveryBlocks - 2, 'no second snapshot before the kill');
  // The chain goes idle: the block after the last load tx holds its attestation and makes it
  // final; the attestation of that block waits in the log, uncut, for the next block.
  await until(async () => {
    const status = await node.get<Status>('/v1/status');
    if (status.height !== lastLoadHeight + 1 || status.finalized !== lastLoadHeight) return false;
    const latest = await node.get<BlockOut>(`/v1/blocks/${status.height}`);
    return status.lastOffset === latest.header.lastOffset + 1;
  }, 'the chain to go idle with its last attestation uncut');
  await node.kill('SIGKILL');

  node = await startNodeProcess(dataDir, args, env);
  const restarted = await node.get<Status>('/v1/status');
  t.is(restarted.restoredFrom, snapshotEveryBlocks, 'restarted from the snapshot, below the blocks it attested before the kill');
  await until(async () => (await node.get<Status>('/v1/status')).height >= lastLoadHeight + 1, 'the replay');
  // A few more blocks after the restart; each load tx's block becomes final.
  let height = 0;
  for (const end = i + 3; i < end;) height = await land(node, client, i++);
  await until(async () => (await node.get<Status>('/v1/status')).finalized >= height, `block ${height} to become final`);

  const blocks = await blocksFrom(node, restarted.restoredFrom + 1);
  t.is(blocks[0]?.header.height, restarted.restoredFrom + 1);
  const codes = new Map<string, number>();
  for (const tx of blocks.flatMap((b) => b.txs)) codes.set(tx.outcome.code, (codes.get(tx.outcome.code) ?? 0) + 1);
  t.log('outcomes since the snapshot', JSON.stringify([...codes]));
  t.is(codes.get('ALREADY_ATTESTED') ?? 0, 0, 'no block attested twice');
  t.is(codes.get('BAD_ATTESTATION') ?? 0, 0, 'no block attested outside the window');
  t.true((await node.get<Status>('/v1/status')).finalized > lastLoadHeight + 1, 'finality moved past the blocks before the kill');
});
