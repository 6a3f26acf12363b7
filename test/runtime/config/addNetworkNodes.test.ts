import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { addNetworkNodes, configFileIn, initNetwork, loadConfig } from '../../../runtime/config/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import { loadPeerSeed, peerIdOfSeed } from '../../../runtime/net/index.ts';
import { isAinError, type ErrorCode } from '../../../schemas/index.ts';

// `ain net add`: more nodes in a network `ain net init` wrote, checked as the node reads them.
// (follower.e2e starts one: it catches up, and votes once its key staked.)

const bin = join(process.cwd(), 'bin', 'ain.js');
const execFileAsync = promisify(execFile);

async function network(t: { teardown(fn: () => unknown): void }, validators = 3) {
  const root = await mkdtemp(join(tmpdir(), 'ain-netadd-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'net');
  return { root, dir, net: await initNetwork({ dir, validators, basePort: 23200 }) };
}

test('a node after the last: its own 0600 keys, the same genesis bytes, n1’s config with its own ports and every node as a bootstrap peer, outside the validators’ mesh', async (t) => {
  const { dir, net } = await network(t);
  const added = await addNetworkNodes({ dir });
  t.deepEqual(
    added.existing.map((n) => n.name),
    ['n1', 'n2', 'n3'],
  );
  t.deepEqual(added.existing, net.nodes, 'the nodes there, as their own files say');
  const [node] = added.added;
  t.like(node, { name: 'n4', dir: join(dir, 'n4'), port: 23203, p2pPort: 24203 });
  t.deepEqual((await readdir(node!.dir)).sort(), ['config.json', 'genesis.json', 'node.key', 'p2p.key']);
  for (const file of ['node.key', 'p2p.key']) t.is((await stat(join(node!.dir, file))).mode & 0o777, 0o600, file);
  t.is((await readKeyFile(join(node!.dir, 'node.key'))).address, node!.address);
  t.is(await peerIdOfSeed((await loadPeerSeed(join(node!.dir, 'p2p.key'))).seed), node!.peerId);
  t.is(await readFile(join(node!.dir, 'genesis.json'), 'utf8'), await readFile(join(dir, 'n1', 'genesis.json'), 'utf8'));
  t.is(added.genesisHash, net.genesisHash);
  const config = await loadConfig({ file: (await configFileIn(node!.dir))!, flags: { dataDir: node!.dir } });
  t.is(config.port, 23203);
  t.like(config.p2p, { port: 24203, validatorMesh: false });
  t.deepEqual(
    config.p2p!.bootstrap,
    net.nodes.map((n) => `/ip4/127.0.0.1/tcp/${n.p2pPort}/p2p/${n.peerId}`),
  );
  t.is(config.verifyThreads, 'none', 'the rest of n1’s config');
  const more = await addNetworkNodes({ dir, count: 2, basePort: 23300 });
  t.deepEqual(
    more.added.map((n) => [n.name, n.port, n.p2pPort]),
    [
      ['n5', 23300, 24300],
      ['n6', 23301, 24301],
    ],
  );
  t.is(more.existing.length, 4, 'the added node is a peer of the next');
});

test('refused, with nothing written: no network there, a port a node uses, a node whose files cannot be read, more than 64 nodes', async (t) => {
  const { root, dir } = await network(t);
  const refused = async (promise: Promise<unknown>, code: ErrorCode, message: RegExp) => {
    const error = await t.throwsAsync(promise);
    t.true(isAinError(error, code), String(error));
    t.regex(error!.message, message);
  };
  await refused(addNetworkNodes({ dir: root }), 'NOT_FOUND', /holds no network ain net init wrote/);
  await refused(addNetworkNodes({ dir, basePort: 23201 }), 'BAD_CONFIG', /Port 23201 for n4 is n2's already/);
  await refused(addNetworkNodes({ dir, count: 62 }), 'BAD_CONFIG', /at most 64/);
  await refused(
    addNetworkNodes({ dir, basePort: 65_000 }),
    'BAD_CONFIG',
    /The peer port \(1000 above its API port 65000\) of n4, 66000, is not a port \(1 to 65535\): it comes from --base-port 65000/,
  );
  await mkdir(join(dir, 'n4'));
  await refused(addNetworkNodes({ dir }), 'BAD_CONFIG', /n4 is no node of ain net init or ain net add \(one that an interrupted ain net add left/);
  await rm(join(dir, 'n4'), { recursive: true });
  await rm(join(dir, 'n3', 'p2p.key'));
  await refused(addNetworkNodes({ dir }), 'BAD_CONFIG', /n3\/p2p.key does not exist; .* Restore it/);
  await writeFile(join(dir, 'n2', 'config.json'), '{ not json');
  await refused(addNetworkNodes({ dir }), 'BAD_CONFIG', /n2\/config.json is not valid JSON/);
  t.deepEqual((await readdir(dir)).sort(), ['n1', 'n2', 'n3', 'owner.key']);
});

test('ain net add prints how to start each node and the two txs that stake it; on Kafka, that a staked node attests and proposes nothing', async (t) => {
  const { dir } = await network(t);
  const { stdout } = await execFileAsync(process.execPath, [bin, 'net', 'add', '--dir', dir]);
  t.regex(stdout, new RegExp(`n4 0x[0-9a-f]{40}: http://127\\.0\\.0\\.1:23203, peers on 24203 {4}ain node --data ${join(dir, 'n4')}`));
  t.regex(
    stdout,
    new RegExp(
      `ain tx sign --key ${join(dir, 'owner.key')} --chain ain-local --op '\\{"type":"send","to":"0x[0-9a-f]{40}","amount":"1000000"\\}' \\| ain tx submit --node http://127\\.0\\.0\\.1:23200 --wait`,
    ),
  );
  t.regex(stdout, new RegExp(`ain tx sign --key ${join(dir, 'n4', 'node.key')} --chain ain-local --op '\\{"type":"stake","amount":"1000000"\\}'`));
  const kafka = join(dir, '..', 'kafka');
  await initNetwork({ dir: kafka, validators: 2, basePort: 23500, log: { kind: 'kafka', brokers: ['127.0.0.1:9092'] } });
  const onKafka = await execFileAsync(process.execPath, [bin, 'net', 'add', '--dir', kafka]);
  t.regex(onKafka.stdout, /reads the shared Kafka topic.*proposes none/);
  t.is((await loadConfig({ file: join(kafka, 'n3', 'config.json'), flags: { dataDir: join(kafka, 'n3') } })).log.kind, 'kafka');
});

test('with n1 moved away the next node still gets the slot ain net init would have given it, from the first node left', async (t) => {
  const { root, dir } = await network(t);
  await rename(join(dir, 'n1'), join(root, 'n1.away'));
  const added = await addNetworkNodes({ dir });
  t.like(added.added[0], { name: 'n4', port: 23203, p2pPort: 24203 });
});
