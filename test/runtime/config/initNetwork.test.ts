import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLedger, genesisHashOf, parseGenesis } from '../../../actors/index.ts';
import { readAccount, readValidatorSet } from '../../../projections/index.ts';
import { configFileIn, initNetwork, loadConfig } from '../../../runtime/config/index.ts';
import { main } from '../../../runtime/cli/main.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import { loadPeerSeed, peerIdOfSeed } from '../../../runtime/net/index.ts';
import { isAinError } from '../../../schemas/index.ts';

// `ain net init`: the files of a local network, checked as the node reads them.

const bin = join(process.cwd(), 'bin', 'ain.js');

async function tempDir(t: { teardown(fn: () => unknown): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'ain-netinit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('three validators: a 0600 key per node and an owner key, one genesis (same bytes everywhere) with equal stakes and every validator a proposer', async (t) => {
  const dir = join(await tempDir(t), 'net');
  const net = await initNetwork({ dir, validators: 3, chain: 'ain-trio' });
  t.deepEqual((await readdir(dir)).sort(), ['n1', 'n2', 'n3', 'owner.key']);
  t.is((await stat(join(dir, 'owner.key'))).mode & 0o777, 0o600);
  const owner = await readKeyFile(join(dir, 'owner.key'));
  t.is(owner.address, net.owner.address);
  const texts: string[] = [];
  for (const [i, node] of net.nodes.entries()) {
    t.is(node.name, `n${i + 1}`);
    t.deepEqual((await readdir(node.dir)).sort(), ['config.json', 'genesis.json', 'node.key', 'p2p.key']);
    t.is((await stat(join(node.dir, 'node.key'))).mode & 0o777, 0o600, `${node.name}/node.key`);
    t.is((await stat(join(node.dir, 'p2p.key'))).mode & 0o777, 0o600, `${node.name}/p2p.key`);
    const { seed, created } = await loadPeerSeed(join(node.dir, 'p2p.key'));
    t.false(created, 'the node finds its peer key');
    t.is(await peerIdOfSeed(seed), node.peerId);
    t.is((await readKeyFile(join(node.dir, 'node.key'))).address, node.address);
    texts.push(await readFile(join(node.dir, 'genesis.json'), 'utf8'));
  }
  t.true(
    texts.every((text) => text === texts[0]),
    'the same genesis bytes in each dir',
  );
  const genesis = parseGenesis(JSON.parse(texts[0]!));
  t.is(genesisHashOf(genesis), net.genesisHash);
  t.is(genesis.chain, 'ain-trio');
  t.is(genesis.owner, owner.address);
  const validators = net.nodes.map((n) => n.address);
  t.deepEqual(genesis.proposers, validators);
  t.deepEqual(Object.keys(genesis.storage?.providers ?? {}).sort(), [...validators].sort(), 'every node sells Big Storage');
  t.is(new Set(validators).size, 3, 'a key per node');
  t.is(new Set(net.nodes.map((n) => n.peerId)).size, 3, 'a peer id per node');
  // As the ledger folds it: three equal stakes in the first validator set, the owner's balance spendable.
  const ledger = createLedger(genesis);
  const set = readValidatorSet(ledger.tree, 0);
  t.deepEqual([...set.stakes.keys()].sort(), [...validators].sort());
  t.true([...set.stakes.values()].every((stake) => stake === set.stakes.get(validators[0]!)! && stake > 0n));
  t.is(set.total, 3n * set.stakes.get(validators[0]!)!);
  t.true(readAccount(ledger.tree, owner.address).balance > 0n);
  t.is(readAccount(ledger.tree, owner.address).stake, 0n, 'the owner is no validator');
});

test('each config loads as the node loads it: its API port, its peer port, the other nodes as bootstrap peers; a Kafka network names the brokers and the one topic', async (t) => {
  const dir = join(await tempDir(t), 'net');
  const net = await initNetwork({ dir, validators: 3, chain: 'ain-k', log: { kind: 'kafka', brokers: ['127.0.0.1:9092'] }, basePort: 20_000 });
  t.is(net.topic, `ain.ain-k.root.${net.genesisHash.slice(0, 16)}`);
  for (const [i, node] of net.nodes.entries()) {
    const file = await configFileIn(node.dir);
    t.is(file, join(node.dir, 'config.json'));
    const config = await loadConfig({ file, flags: { dataDir: node.dir } });
    t.is(config.chain, 'ain-k');
    t.is(config.port, 20_000 + i);
    t.is(config.p2p?.port, 21_000 + i);
    const others = net.nodes.filter((_, j) => j !== i).map((peer) => `/ip4/127.0.0.1/tcp/${peer.p2pPort}/p2p/${peer.peerId}`);
    t.deepEqual(config.p2p?.bootstrap, others);
    t.true(config.p2p?.validatorMesh, 'the other validators, all of them: a batch one of them gossips is not forwarded');
    t.is(config.verifyThreads, 'none', 'nodes that share one machine check txs on their own thread');
    t.like(config.log, { kind: 'kafka', brokers: ['127.0.0.1:9092'], topic: net.topic });
    t.deepEqual(config.storage.reservations, {}, 'no Big Storage granted by the config: room is bought on the ledger');
  }
  const fileNet = await initNetwork({ dir: join(dir, '..', 'files'), validators: 1 });
  const single = await loadConfig({ file: await configFileIn(fileNet.nodes[0]!.dir), flags: { dataDir: fileNet.nodes[0]!.dir } });
  t.like(single, { chain: 'ain-local', port: 8080, p2p: { port: 9080, bootstrap: [] } });
  t.is(single.log.kind, 'file');
  t.is(fileNet.topic, undefined);
  t.is(await configFileIn(dir), undefined, 'a dir without config.json has none');
});

test('refusals: a dir that holds anything (DIR_NOT_EMPTY, nothing written), bad counts, ports past 65535, bad chain ids and brokers (BAD_CONFIG)', async (t) => {
  const root = await tempDir(t);
  const used = join(root, 'used');
  await mkdir(used);
  await writeFile(join(used, 'notes.txt'), 'mine');
  const full = await t.throwsAsync(initNetwork({ dir: used, validators: 2 }));
  t.true(isAinError(full, 'DIR_NOT_EMPTY'));
  t.regex(full!.message, /already holds 1 entry \(notes\.txt\)/);
  t.deepEqual(await readdir(used), ['notes.txt'], 'nothing written');
  const file = join(root, 'a-file');
  await writeFile(file, '');
  t.true(isAinError(await t.throwsAsync(initNetwork({ dir: file, validators: 2 })), 'DIR_NOT_EMPTY'));
  // An empty dir that exists is fine.
  await mkdir(join(root, 'empty'));
  t.is((await initNetwork({ dir: join(root, 'empty'), validators: 1 })).nodes.length, 1);

  const cases: [Parameters<typeof initNetwork>[0], RegExp][] = [
    [{ dir: join(root, 'a'), validators: 0 }, /1 to 64 validators, not 0/],
    [{ dir: join(root, 'b'), validators: 65 }, /not 65/],
    [{ dir: join(root, 'c'), validators: 3, basePort: 64_535 }, /ports end at 65535/],
    [{ dir: join(root, 'c0'), validators: 2, basePort: 0 }, /The base port 0 is not a port: give 1 to 65535/],
    [{ dir: join(root, 'd'), validators: 3, chain: 'Not A Chain' }, /chain id "Not A Chain"/],
    [{ dir: join(root, 'e'), validators: 3, log: { kind: 'kafka', brokers: ['nowhere'] } }, /brokers/],
  ];
  for (const [parameters, pattern] of cases) {
    const error = await t.throwsAsync(initNetwork(parameters));
    t.true(isAinError(error, 'BAD_CONFIG'), String(pattern));
    t.regex(error!.message, pattern);
    t.false((await readdir(root)).includes(parameters.dir.slice(root.length + 1)), 'checked before the first write');
  }
});

test('p2p config: TCP multiaddrs ending in a peer id only, no peer twice, a port in range (BAD_CONFIG naming the field)', async (t) => {
  const id = '/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';
  const ok = await loadConfig({
    flags: { dataDir: 'd', p2p: { port: 9001, bootstrap: [`/ip4/10.0.0.2/tcp/9001${id}`, `/dns4/node-b.example/tcp/9002${id}`, `/ip6/::1/tcp/9003${id}`] } },
  });
  t.is(ok.p2p?.bootstrap.length, 3);
  const withPeerId = `/ip4/127.0.0.1/tcp/9001${id}`;
  t.deepEqual((await loadConfig({ flags: { dataDir: 'd', p2p: { port: 0, bootstrap: [withPeerId] } } })).p2p?.bootstrap, [withPeerId]);
  t.is((await loadConfig({ flags: { dataDir: 'd' } })).p2p, undefined, 'no p2p section unless asked');
  const bad: [unknown, RegExp][] = [
    [{ port: 70_000 }, /p2p\.port/],
    [{ port: 1, bootstrap: ['127.0.0.1:9001'] }, /p2p\.bootstrap/],
    [{ port: 1, bootstrap: ['/ip4/127.0.0.1/udp/9001'] }, /TCP multiaddr/],
    [{ port: 1, bootstrap: ['/ip4/300.0.0.1/tcp/9001'] }, /TCP multiaddr/],
    // Without its peer id (which the node needs to know it reached that peer): refused with the config, not once the node has loaded.
    [{ port: 1, bootstrap: ['/ip4/127.0.0.1/tcp/9001'] }, /must be a TCP multiaddr ending in the peer's id/],
    [{ port: 1, bootstrap: [withPeerId, withPeerId] }, /twice/],
    [{ port: 1, surprise: true }, /surprise/],
  ];
  for (const [p2p, pattern] of bad) {
    const error = await t.throwsAsync(loadConfig({ flags: { dataDir: 'd', p2p } }));
    t.true(isAinError(error, 'BAD_CONFIG'), String(pattern));
    t.regex(error!.message, pattern);
  }
});

/** `ain …` in this process (a child process per case would take seconds each): its exit code and what it printed. */
async function ain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = ((chunk: string) => ((out.stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((out.stderr += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: await main(args), ...out };
  } finally {
    Object.assign(process.stdout, { write: writes.stdout });
    Object.assign(process.stderr, { write: writes.stderr });
  }
}

test.serial('ain net init: prints each node and how to start it; usage mistakes exit 2, a used dir exits 1 with DIR_NOT_EMPTY', async (t) => {
  const root = await tempDir(t);
  // Once as a user runs it.
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'net', 'init', '--validators', '2', '--dir', join(root, 'net'), '--json']);
  const net = JSON.parse(stdout) as { nodes: { dir: string }[] };
  t.is(net.nodes.length, 2);
  const text = await ain(['net', 'init', '--validators', '2', '--dir', join(root, 'net2'), '--log', 'kafka', '--brokers', '127.0.0.1:9092']);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /ain node --data .*net2\/n2/);
  t.regex(text.stdout, /the nodes share the Kafka topic ain\.ain-local\.root/);
  const again = await ain(['net', 'init', '--validators', '2', '--dir', join(root, 'net')]);
  t.is(again.code, 1);
  t.regex(again.stderr, /^error DIR_NOT_EMPTY: /);
  for (const args of [
    ['net', 'init', '--dir', join(root, 'x')],
    ['net', 'init', '--validators', '3'],
    ['net', 'init', '--validators', 'three', '--dir', join(root, 'x')],
    ['net', 'init', '--validators', '3', '--dir', join(root, 'x'), '--log', 'kafka'],
    ['net', 'init', '--validators', '3', '--dir', join(root, 'x'), '--brokers', '127.0.0.1:9092'],
    ['net', 'start'],
  ]) {
    const usage = await ain(args);
    t.is(usage.code, 2, args.join(' '));
    t.regex(usage.stderr, /^ain: /);
  }
  t.false((await readdir(root)).includes('x'));
  // A node whose key is gone: ain net status says to restore it (a new one would be another node), not to make one.
  await rm(join(root, 'net', 'n2', 'node.key'));
  // (a child process: it exits 1, no node answering here)
  const status = await promisify(execFile)(process.execPath, [bin, 'net', 'status', '--dir', join(root, 'net'), '--json']).catch(
    (error: { stdout: string }) => error,
  );
  const n2 = (JSON.parse(status.stdout) as { nodes: { node: string; error?: string }[] }).nodes.find((node) => node.node === 'n2');
  t.regex(n2?.error ?? '', /n2\/node\.key does not exist: restore it from a backup \(a new key would be another node's identity/);
});
