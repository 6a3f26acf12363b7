import test from 'ava';
import { access, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, startNodeProcess } from '../node/nodeProcess.ts';
import {
  bin,
  headersPaged,
  initNetwork,
  netOf,
  openUserPaths,
  run,
  startNetwork,
  untilHeight,
  untilPeers,
  untilWritten,
  writeAsUsers,
  type NetworkFiles,
} from './networkHarness.ts';

// A node that is no validator joins a chain of many blocks with an empty data dir (the network's
// genesis, a config naming the validators as bootstrap peers, keys of its own): it fetches the
// decided blocks by range (64 a request) with their certificates, reaches the validators' height
// with the same headers (and so state roots), passes a tx of a user on to them, and signs nothing.
//
// The chain makes a block only when a tx waits, so each block gets one user's write (sent round
// robin to the four validators, all at once: the mempools always hold the next height's work).
// Blocks then come as fast as four nodes on the machine's cores get through a height's proposal,
// two rounds of votes, the signing record's writes and the fold: no timeout is waited on.

/** Blocks made before the follower starts (issue 17's process test 6: at least 500). */
const blocks = 500;

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
  t.timeout(600_000);
  const files = await initNetwork(t, 4);
  await oneTxBlocks(files);
  const nodes = await startNetwork(t, files);
  await openUserPaths(files, nodes[0]!);
  const writing = Date.now();
  const users = await writeAsUsers(nodes, blocks);
  // One read a poll while the chain grows; the writes are read once it has grown.
  await untilHeight(nodes[0]!, blocks + 1, 420_000);
  await untilWritten(nodes[0]!, users, 0, 60_000);
  const height = (await netOf(nodes[0]!)).height;
  t.true(height > blocks);
  const madeMs = Date.now() - writing;

  const dir = await followerDir(files);
  const following = Date.now();
  const follower = await startNodeProcess(dir, []);
  t.teardown(() => follower.kill('SIGKILL'));
  await untilPeers(follower, 4);
  await untilHeight(follower, height, 120_000);
  const caughtUpMs = Date.now() - following;
  t.deepEqual(await headersPaged(follower, height), await headersPaged(nodes[0]!, height), 'the same headers, and so the same state roots');

  const [passed] = await writeAsUsers([follower], 1, 1000);
  for (const node of [...nodes, follower]) await untilWritten(node, [passed!], 1000);
  const signed = await access(join(dir, 'consensus', 'signed.json')).then(
    () => true,
    () => false,
  );
  t.false(signed, 'the follower signed no proposal and no vote');
  t.log(`${height} blocks made in ${(madeMs / 1000).toFixed(1)} s; the follower started and caught up in ${(caughtUpMs / 1000).toFixed(1)} s`);
});
