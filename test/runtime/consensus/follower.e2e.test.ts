import test from 'ava';
import { access, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, startNodeProcess, until } from '../node/nodeProcess.ts';
import {
  bin,
  headersOf,
  initNetwork,
  netOf,
  openUserPaths,
  run,
  startNetwork,
  untilPeers,
  untilWritten,
  writeAsUsers,
  type NetworkFiles,
} from './networkHarness.ts';

// A node that is no validator joins a chain of many blocks with an empty data dir (the network's
// genesis, a config naming the validators as bootstrap peers, keys of its own): it fetches the
// decided blocks by range (64 a request) with their certificates, reaches the validators' height
// with the same headers (and so state roots), passes a tx of a user on to them, and signs nothing.

/** Blocks made before the follower starts: more than one catch-up request's 64. */
const blocks = 80;

/** Every node's genesis with room for one user tx a block (besides the commit tx and the cut), so each write makes a block. */
async function oneTxBlocks(files: NetworkFiles): Promise<void> {
  for (const node of files.nodes) {
    const path = join(node.dir, 'genesis.json');
    const genesis = JSON.parse(await readFile(path, 'utf8')) as { block: { maxTxs: number } };
    genesis.block.maxTxs = 3;
    await writeFile(path, JSON.stringify(genesis, null, 2));
  }
}

/** A data dir for a node outside the validator set: genesis and config copied from a validator, new keys, every validator a bootstrap peer. */
async function followerDir(files: NetworkFiles): Promise<string> {
  const dir = join(files.dir, 'follower');
  await mkdir(dir, { mode: 0o700 });
  const source = files.nodes[0]!.dir;
  await copyFile(join(source, 'genesis.json'), join(dir, 'genesis.json'));
  const config = JSON.parse(await readFile(join(source, 'config.json'), 'utf8')) as { port: number; p2p: { port: number; bootstrap: string[] } };
  const own = `/ip4/127.0.0.1/tcp/${config.p2p.port}/p2p/${files.nodes[0]!.peerId}`;
  config.p2p = { ...config.p2p, port: await freePort(), bootstrap: [own, ...config.p2p.bootstrap] };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  await run(process.execPath, [bin, 'keys', 'new', '--out', join(dir, 'node.key')]);
  return dir;
}

test(`a follower started empty after ${blocks} blocks catches up to the same headers, passes txs on, and signs nothing`, async (t) => {
  t.timeout(170_000);
  const files = await initNetwork(t, 4);
  await oneTxBlocks(files);
  const nodes = await startNetwork(t, files);
  await openUserPaths(files, nodes[0]!);
  const users = await writeAsUsers(nodes, blocks);
  await untilWritten(nodes[0]!, users, 0, 120_000);
  const height = (await netOf(nodes[0]!)).height;
  t.true(height > blocks);

  const dir = await followerDir(files);
  const follower = await startNodeProcess(dir, []);
  t.teardown(() => follower.kill('SIGKILL'));
  await untilPeers(follower, 4);
  await until(async () => (await netOf(follower)).height >= height, `the follower at height ${height}`, 60_000);
  t.deepEqual(await headersOf(follower, height), await headersOf(nodes[0]!, height), 'the same headers, and so the same state roots');

  const [passed] = await writeAsUsers([follower], 1, 1000);
  for (const node of [...nodes, follower]) await untilWritten(node, [passed!], 1000);
  const signed = await access(join(dir, 'consensus', 'signed.json')).then(
    () => true,
    () => false,
  );
  t.false(signed, 'the follower signed no proposal and no vote');
  t.log(`caught up ${height} blocks`);
});
