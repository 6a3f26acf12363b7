import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateKeyPair, signTx, txHashOf } from '../../../log/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import { freePort, startNodeProcess, until, type NodeProcess } from '../node/nodeProcess.ts';

// A network of four validators written by `ain net init`, each `ain node` a child process on
// 127.0.0.1 with its own file log, agreeing block by block over libp2p (CometBFT's algorithm):
// txs sent to different nodes end up final on all four, every height's header (and so its state
// root) is the same on each, several validators propose, and `ain audit` passes on each data dir.

const bin = join(process.cwd(), 'bin', 'ain.js');
const run = promisify(execFile);

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A base port for `ain net init --validators n` whose peer ports (1000 above) are free too. */
async function basePort(n: number): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    if (port > 64_000 - n) continue;
    let free = true;
    for (let k = 0; k < n && free; k++) free = await canListen(port + 1000 + k);
    if (free) return port;
  }
  throw new Error('found no base port with free peer ports in 20 tries');
}

interface Header {
  height: number;
  stateRoot: string;
  proposer: string;
}

test('four validators over libp2p: txs sent to different nodes are final on all, with the same headers; ain audit passes on each', async (t) => {
  t.timeout(180_000);
  const dir = await mkdtemp(join(tmpdir(), 'ain-consensus-e2e-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { stdout } = await run(process.execPath, [
    bin,
    'net',
    'init',
    '--validators',
    '4',
    '--dir',
    join(dir, 'net'),
    '--base-port',
    String(await basePort(4)),
    '--json',
  ]);
  const net = JSON.parse(stdout) as { nodes: { dir: string; address: string; peerId: string }[] };
  const nodes: NodeProcess[] = [];
  t.teardown(() => Promise.all(nodes.map((node) => node.kill('SIGKILL'))));
  for (const node of net.nodes) nodes.push(await startNodeProcess(node.dir, []));
  await until(async () => (await nodes[0]!.get<{ peers: string[] }>('/v1/net')).peers.length >= 3, 'node 1 to see its three peers', 60_000);

  // The owner opens /apps/net/$user to each user; then twelve users write there, three through each node.
  const owner = await readKeyFile(join(dir, 'net', 'owner.key'));
  const rule = signTx({ key: owner, op: { type: 'set_rule', path: '/apps/net/$user', value: { write: 'auth.addr == $user' } }, nonce: 1, time: Date.now() });
  t.is((await nodes[0]!.post('/v1/tx', rule)).status, 202);
  await until(
    async () => (await nodes[3]!.get<{ outcome?: { code: string } }>(`/v1/tx/${txHashOf(rule)}`)).outcome?.code === 'ok',
    'the rule in a block on node 4',
    60_000,
  );
  const users = Array.from({ length: 12 }, () => generateKeyPair());
  const txs = users.map((key, i) => signTx({ key, op: { type: 'set_value', path: `/apps/net/${key.address}`, value: i }, nonce: 1, time: Date.now() }));
  for (const [i, tx] of txs.entries()) {
    const answer = await nodes[i % 4]!.post('/v1/tx', tx);
    t.is(answer.status, 202, JSON.stringify(answer.body));
  }
  for (const node of nodes) {
    await until(
      async () => {
        for (const [i, key] of users.entries()) {
          if ((await node.get<{ value?: unknown }>(`/v1/state/apps/net/${key.address}`)).value !== i) return false;
        }
        return true;
      },
      `every tx applied on ${node.dataDir}`,
      90_000,
    );
  }

  // Same headers at every height on every node.
  const heights = await Promise.all(nodes.map(async (node) => (await node.get<{ height: number }>('/v1/status')).height));
  const common = Math.min(...heights);
  t.true(common >= 1);
  const headersOf = async (node: NodeProcess) =>
    (await node.get<{ blocks: { header: Header }[] }>(`/v1/blocks?from=1&to=${common}`)).blocks.map((b) => b.header);
  const first = await headersOf(nodes[0]!);
  for (const node of nodes.slice(1)) t.deepEqual(await headersOf(node), first, `headers of ${node.dataDir}`);
  for (const node of nodes) {
    const { consensus } = await node.get<{ consensus: { lastCommit: { height: number } | null } }>('/v1/net');
    t.true((consensus.lastCommit?.height ?? 0) >= common, `${node.dataDir} holds the certificate of block ${common}: final`);
  }
  t.log(`${common} blocks; proposers: ${[...new Set(first.map((h) => h.proposer))].length}`);

  for (const node of nodes) await node.kill('SIGTERM');
  for (const node of net.nodes) {
    const audit = await run(process.execPath, [bin, 'audit', '--data', node.dir, '--json']);
    const report = JSON.parse(audit.stdout) as { ok: boolean; blocks: number };
    t.true(report.ok, `audit of ${node.dir}: ${audit.stdout.slice(0, 400)}`);
  }
});
