import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { startNodeProcess, until, type NodeProcess } from '../node/nodeProcess.ts';
import {
  accountOf,
  auditOf,
  headersOf,
  headersOfAll,
  initNetwork,
  logLines,
  netOf,
  openUserPaths,
  startNetwork,
  untilPeers,
  untilSameHeight,
  untilWritten,
  writeAsUsers,
  type Header,
} from './networkHarness.ts';
import { cutAt, framesOf, lastSegmentOf, type BlockCut } from './logFrames.ts';

// A validator appends a decided block to its file log in one append: the block's records (the
// commit of the block before, txs, its cut), framed `[u32 length][u32 crc][payload]`. A crash in
// the middle of that write leaves whole frames of the block and maybe a torn one. Here the fourth
// validator is killed (SIGKILL) with the chain idle and its log cut at a point inside its last
// block's bytes, as a crash in the middle of the append would have left it: inside the first
// record, inside a tx, at the frame boundary before the cut, inside the cut. Restarted, it must
// cut the torn frame, get the block back from its peers, end with the same headers (so the same
// state roots) as the others, sign nothing conflicting, and go on deciding blocks. Then its log is
// cut back three blocks after a clean stop, as an operator cuts a damaged segment: it fetches them.

type BlockHeader = Header & { firstOffset: number; lastOffset: number };

/**
 * Sends a few txs to the first three nodes and waits until every node applied them and the chain
 * idles; again (3 times at most) until its last block holds a tx between its commit and its cut.
 * Returns that block's height and header, and how many users have written so far.
 */
async function idleAfterTxs(nodes: readonly NodeProcess[], written: number): Promise<{ height: number; header: BlockHeader; written: number }> {
  for (let attempt = 1; ; attempt++) {
    const users = await writeAsUsers(nodes.slice(0, 3), 3, written);
    for (const node of nodes) await untilWritten(node, users, written);
    written += users.length;
    const height = await untilSameHeight(nodes);
    const header = (await nodes[3]!.get<{ blocks: { header: BlockHeader }[] }>(`/v1/blocks?from=${height}&to=${height}`)).blocks[0]!.header;
    if (header.lastOffset - header.firstOffset >= 2 || attempt === 3) return { height, header, written };
  }
}

test('a validator killed in the middle of appending a decided block: the torn part is cut, the block comes back from peers, same headers, nothing signed twice', async (t) => {
  t.timeout(300_000);
  const files = await initNetwork(t, 4);
  const nodes = await startNetwork(t, files);
  await openUserPaths(files, nodes[0]!, nodes[3]!);
  const victim = files.nodes[3]!;
  const cuts: BlockCut[] = ['inside a tx', 'before the cut', 'inside the cut', 'inside the first record'];
  let written = 0;
  for (const where of cuts) {
    const idle = await idleAfterTxs(nodes, written);
    const { height, header } = idle;
    written = idle.written;
    const before = await headersOf(nodes[0]!, height);
    await nodes[3]!.kill('SIGKILL');

    const segment = await lastSegmentOf(join(victim.dir, 'log'));
    const frames = (await framesOf(segment)).slice(header.firstOffset, header.lastOffset + 1);
    t.true(frames.length >= 3, `block ${height} holds its commit, a tx and its cut (${frames.length} records)`);
    const { at, torn } = cutAt(where, frames);
    await truncate(segment, at);
    const recoveriesBefore = (await logLines(victim.dir, 'log tail was torn by a crash and has been cut off')).length;

    nodes[3] = await startNodeProcess(victim.dir, []);
    await untilPeers(nodes[3], 3);
    await until(async () => (await netOf(nodes[3]!)).height >= height, `the restarted node to get block ${height} back (${where})`, 60_000);
    const recoveries = (await logLines(victim.dir, 'log tail was torn by a crash and has been cut off')).length - recoveriesBefore;
    t.is(recoveries, torn ? 1 : 0, `${where}: the torn frame is cut at open (and only then)`);
    t.deepEqual(await headersOf(nodes[3], height), before, `${where}: the same headers as the others up to block ${height}`);
    t.log(`${where}: block ${height} (${frames.length} records) cut at byte ${at - frames[0]!.start} of ${frames.at(-1)!.end - frames[0]!.start}, back`);
  }

  // Cut back further, as LOG_CORRUPT tells an operator to cut a damaged segment: whole blocks go
  // after a clean stop (its snapshot and commit store are then ahead of its log). The node must
  // take the certificate of its last block from the next block's commit, and fetch the rest.
  {
    const idle = await idleAfterTxs(nodes, written);
    written = idle.written;
    const { height } = idle;
    const before = await headersOf(nodes[0]!, height);
    const kept = height - 3;
    const first = (await nodes[3]!.get<{ blocks: { header: BlockHeader }[] }>(`/v1/blocks?from=${kept + 1}&to=${kept + 1}`)).blocks[0]!.header;
    await nodes[3]!.kill('SIGTERM');
    const segment = await lastSegmentOf(join(victim.dir, 'log'));
    await truncate(segment, (await framesOf(segment))[first.firstOffset]!.start);
    nodes[3] = await startNodeProcess(victim.dir, []);
    await until(async () => (await netOf(nodes[3]!)).height >= height, `the node cut back to block ${kept} to fetch blocks ${kept + 1}…${height} back`, 60_000);
    t.deepEqual(await headersOf(nodes[3], height), before, `cut back to block ${kept}: the same headers as the others up to block ${height}`);
  }

  // It goes on deciding with the others: txs sent to it are final on all four.
  const more = await writeAsUsers([nodes[3]!], 4, written);
  for (const node of nodes) await untilWritten(node, more, written);
  const common = await untilSameHeight(nodes);
  const all = await headersOfAll(nodes, common);
  for (const headers of all.slice(1)) t.deepEqual(headers, all[0], 'the same headers, and so the same state roots, on all four');
  for (const node of nodes) t.not((await accountOf(node, victim.address))?.slashed, true, `${victim.address} is not slashed on ${node.dataDir}`);
  for (const node of files.nodes) t.deepEqual(await logLines(node.dir, 'equivocation seen'), [], `no equivocation seen by ${node.dir}`);

  await Promise.all(nodes.map((node) => node.kill('SIGTERM')));
  for (const node of files.nodes) {
    const report = await auditOf(node.dir);
    t.true(report.ok, `audit of ${node.dir}: ${JSON.stringify(report).slice(0, 400)}`);
  }
});
