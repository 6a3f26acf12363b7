import test from 'ava';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signTx, txHashOf } from '../../../log/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import { startNodeProcess, until, type NodeProcess } from '../node/nodeProcess.ts';
import {
  basePort,
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

// A node that is no validator joins a chain of many blocks with an empty data dir, as `ain net add`
// writes it (the network's genesis, a config naming the validators as bootstrap peers, keys of its
// own): it fetches the decided blocks by range (64 a request) with their certificates, reaches the
// validators' height with the same headers (and so state roots), passes a tx of a user on to
// them, and signs nothing; once its key stakes (the owner funds it), it is a validator and votes.
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

/** `ain net add`: a fifth node in the network's directory, on ports found free; it is not started. */
async function addedNode(files: NetworkFiles): Promise<{ dir: string; address: string; port: number }> {
  const { stdout } = await run(process.execPath, [bin, 'net', 'add', '--dir', files.dir, '--base-port', String(await basePort(1)), '--json']);
  return (JSON.parse(stdout) as { added: { dir: string; address: string; port: number }[] }).added[0]!;
}

/** Submits a tx through `node` and waits (bounded) until `node` applied it with `ok`. */
async function landed(node: NodeProcess, tx: ReturnType<typeof signTx>): Promise<void> {
  const answer = await node.post('/v1/tx', tx);
  if (answer.status !== 202) throw new Error(`refused: ${JSON.stringify(answer.body)}`);
  await until(
    async () => (await node.get<{ outcome?: { code: string } }>(`/v1/tx/${txHashOf(tx)}`)).outcome?.code === 'ok',
    `tx ${tx.op.type} applied`,
    60_000,
  );
}

test(`a node ain net add wrote, started empty after ${blocks} blocks, catches up to the same headers, passes txs on and signs nothing; its key staked, it votes`, async (t) => {
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

  const added = await addedNode(files);
  const dir = added.dir;
  const following = Date.now();
  const follower = await startNodeProcess(dir, [], {}, added.port);
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

  // Its key staked (as ain net add prints how), it is a validator from the next height, and votes.
  const stake = '1000000';
  const key = await readKeyFile(join(dir, 'node.key'));
  const now = Date.now();
  await landed(nodes[0]!, signTx({ key: files.owner, op: { type: 'send', to: added.address, amount: stake }, nonce: now, time: now }));
  await landed(nodes[0]!, signTx({ key, op: { type: 'stake', amount: stake }, nonce: now + 1, time: now + 1 }));
  await until(
    async () => (await netOf(follower)).validators.some((v) => v.address === added.address && v.stake === stake),
    'the follower in the validator set',
  );
  const [after] = await writeAsUsers([nodes[1]!], 1, 2000);
  for (const node of [...nodes, follower]) await untilWritten(node, [after!], 2000);
  await until(
    () =>
      access(join(dir, 'consensus', 'signed.json')).then(
        () => true,
        () => false,
      ),
    'the new validator to sign a vote',
    60_000,
  );
  t.log(`${height} blocks made in ${(madeMs / 1000).toFixed(1)} s; the follower started and caught up in ${(caughtUpMs / 1000).toFixed(1)} s`);
});
