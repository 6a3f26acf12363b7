import test from 'ava';
import { createHash } from 'node:crypto';
import { generateKeyPair, signTx, txHashOf } from '../../../log/index.ts';
import { getSmallBlob, invokeFunction, putSmallBlob, readStream, reserveStorageOn, signAndSubmit, verifyTx } from '../../../runtime/client/index.ts';
import { startFunctionWorker } from '../../../runtime/agents/index.ts';
import { createProcessRuntime } from '../../../runtime/exec/index.ts';
import { signBlobAuth } from '../../../runtime/storage/index.ts';
import type { ConsensusEvent } from '../../../schemas/index.ts';
import { until } from '../node/nodeProcess.ts';
import {
  auditOf,
  headersOf,
  initNetwork,
  netOf,
  netStatusOf,
  openUserPaths,
  startNetwork,
  untilSameHeight,
  untilWritten,
  writeAsUsers,
} from './networkHarness.ts';

// A network of four validators written by `ain net init`, each `ain node` a child process on
// 127.0.0.1 with its own file log, agreeing block by block over libp2p (CometBFT's algorithm):
// txs sent to different nodes end up final on all four, every height's header (and so its state
// root) is the same on each, several validators propose, the `consensus` stream shows who proposed
// each height and the certificate each block carries, and `ain audit` passes on each data dir.
// Big Storage across the network: a blob put on one node is read from another, through its peers,
// under the same reader rule. Two of the four check txs on a verify thread, two on their own
// thread (AIN_VERIFY_THREADS=none): the same verdicts either way.

test('four validators over libp2p: txs sent to different nodes are final on all, with the same headers; ain audit passes on each', async (t) => {
  t.timeout(180_000);
  const files = await initNetwork(t, 4);
  const nodes = await startNetwork(t, files, (i): Record<string, string> => (i % 2 === 1 ? { AIN_VERIFY_THREADS: 'none' } : {}));
  await openUserPaths(files, nodes[0]!, nodes[3]!);
  const users = await writeAsUsers(nodes, 12);
  for (const node of nodes) await untilWritten(node, users);

  const common = Math.min(...(await Promise.all(nodes.map(async (node) => (await netOf(node)).height))));
  t.true(common >= 2);
  const first = await headersOf(nodes[0]!, common);
  for (const node of nodes.slice(1)) t.deepEqual(await headersOf(node, common), first, `headers of ${node.dataDir}`);
  for (const node of nodes) {
    const { consensus } = await netOf(node);
    t.true((consensus.lastCommit?.height ?? 0) >= common, `${node.dataDir} holds the certificate of block ${common}: final`);
  }
  // The consensus stream replays every height with its proposer, and from block 2 the certificate of the block before it.
  const events: ConsensusEvent[] = [];
  for await (const { data } of readStream(nodes[2]!.url, 'consensus', { fromHeight: 1, signal: AbortSignal.timeout(60_000) })) {
    events.push(data as ConsensusEvent);
    if (events.length === common) break;
  }
  t.deepEqual(
    events.map((e) => [e.height, e.proposer]),
    first.map((h) => [h.height, h.proposer]),
    'GET /v1/streams/consensus?from=1: every height with its proposer',
  );
  for (const { height, commit } of events.slice(1)) {
    t.true(commit?.height === height - 1 && 3n * BigInt(commit.power) > 2n * BigInt(commit.total), `block ${height} carries the certificate of ${height - 1}`);
  }
  const metrics = await (await fetch(`${nodes[0]!.url}/metrics`)).text();
  const decisions = Number(/^ain_consensus_decisions_total (\d+)$/m.exec(metrics)?.[1] ?? 0);
  t.true(decisions >= common, `ain_consensus_decisions_total ${decisions} on node 1`);
  t.regex(metrics, /^ain_net_peers 3$/m);
  // The records of the blocks it judged or fetched, by how each was checked: at least the cut of
  // one (with equal stakes it proposes at most one of two heights in a row; a cut is never in a
  // mempool). The commit too from block 2 on, but node 1 may have proposed block 2 itself.
  const records = ['mempool', 'verify_threads', 'this_thread'].map((checked) =>
    Number(new RegExp(`^ain_consensus_block_records_total\\{checked="${checked}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? -1),
  );
  t.true(records.every((n) => n >= 0) && records[2]! >= 1, `ain_consensus_block_records_total by how checked: ${records.join(', ')}`);
  t.regex(metrics, /^ain_consensus_fetched_blocks_total \d+$/m);
  t.log(`${common} blocks; proposers: ${new Set(first.map((h) => h.proposer)).size}`);

  // A block is final once decided: on the idle chain after one more tx, its block is final on a
  // node before any later block records it (its `finalized` names the block before). `ain tx
  // verify` takes it at once, and /v1/health, /v1/status and ain_finalized_height say so.
  // ain_txs_in_total counts what a node's API took, not what its peers gossiped to it.
  const txsIn = async (url: string) => Number(/^ain_txs_in_total (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
  const inBefore = await txsIn(nodes[1]!.url);
  t.is(inBefore, 3, 'node 2 took 3 of the 12 users’ writes through its API');
  const late = generateKeyPair();
  const lateTx = signTx({ key: late, op: { type: 'set_value', path: `/apps/net/${late.address}`, value: 'late' }, nonce: 1, time: Date.now() });
  t.is((await nodes[3]!.post('/v1/tx', lateTx)).status, 202);
  const verified = await verifyTx(nodes[1]!.url, txHashOf(lateTx), { waitMs: 30_000 });
  t.is(verified.outcome.code, 'ok');
  t.is(await txsIn(nodes[1]!.url), inBefore, 'node 2 took the tx from gossip only');
  // Sent again to node 2 once it landed (a client retrying after a lost answer): where it is, not BAD_NONCE.
  const again = await nodes[1]!.post('/v1/tx', lateTx);
  t.is(again.status, 202, JSON.stringify(again.body));
  const landedAt = await nodes[1]!.get<{ offset: number }>(`/v1/tx/${txHashOf(lateTx)}`);
  t.like(again.body, { hash: txHashOf(lateTx), offset: landedAt.offset });
  // Each read on its own: a block landing between them (none is due) would only raise them.
  const health = await nodes[1]!.get<{ finalized: number }>('/v1/health');
  t.true(health.finalized >= verified.height, `/v1/health: final height ${health.finalized} on node 2, the tx in block ${verified.height}`);
  const status = await nodes[1]!.get<{ finalized: number }>('/v1/status');
  t.true(status.finalized >= verified.height, `/v1/status: final height ${status.finalized}`);
  const finalMetric = Number(/^ain_finalized_height (\d+)$/m.exec(await (await fetch(`${nodes[1]!.url}/metrics`)).text())?.[1]);
  t.true(finalMetric >= verified.height, `ain_finalized_height ${finalMetric}`);
  const newest = await nodes[1]!.get<{ header: { height: number }; finalized: { height: number } }>('/v1/blocks/latest');
  t.true(newest.finalized.height < newest.header.height, 'the newest block itself records only the block before as final');

  // A blob the owner put on n1 for one reader: n3 serves it through its peers, to that reader only.
  const [reader, stranger] = [generateKeyPair(), generateKeyPair()];
  const bytes = Buffer.from('a run log kept on n1\n'.repeat(50));
  const hash = createHash('sha256').update(bytes).digest('hex');
  // The owner buys room on n1 first (every validator sells Big Storage in the network's genesis).
  await reserveStorageOn({ nodeUrl: nodes[0]!.url, key: files.owner, bytes: 1 << 20, ttlMs: 3_600_000 });
  const ref = await putSmallBlob({ nodeUrl: nodes[0]!.url, key: files.owner, bytes, readers: [reader.address] });
  t.deepEqual(Buffer.from(await getSmallBlob({ nodeUrl: nodes[2]!.url, ref, key: reader })), bytes);
  const read = (key: typeof reader, headers: Record<string, string> = {}) =>
    fetch(`${nodes[2]!.url}/v1/blobs/${hash}`, { headers: { ...headers, authorization: signBlobAuth({ key, method: 'GET', hash, timeMs: Date.now() }) } });
  const ranged = await read(reader, { range: 'bytes=2-4' });
  t.is(ranged.status, 206);
  t.is(ranged.headers.get('x-ain-blob-from'), 'peer');
  t.is(ranged.headers.get('content-range'), `bytes 2-4/${bytes.length}`);
  t.is(await ranged.text(), 'run');
  const denied = await read(stranger);
  t.is(denied.status, 403);
  t.is(((await denied.json()) as { code: string }).code, 'ACCESS_DENIED');
  const missing = await fetch(`${nodes[2]!.url}/v1/blobs/${'0'.repeat(64)}`);
  t.is(missing.status, 404);
  t.regex(((await missing.json()) as { message: string }).message, /nor on the 3 peers it asked/);

  // A function called on n3 runs on the function worker that takes calls from n1, through the peers.
  const fnWorker = generateKeyPair();
  const code = `let s = ''; process.stdin.on('data', (c) => (s += c)); process.stdin.on('end', () => { const call = JSON.parse(s); process.stdout.write(JSON.stringify({ output: String(call.input).toUpperCase() + ' ' + call.params.$id })); });`;
  const codeRef = await putSmallBlob({ nodeUrl: nodes[0]!.url, key: files.owner, bytes: Buffer.from(code), readers: ['*'] });
  // The owner of / lets the worker's key register functions under /apps/fn; a function names only its registrant as owner.
  const rights = { write_rule: false, write_owner: false, write_function: true, branch_owner: false };
  await signAndSubmit({
    nodeUrl: nodes[0]!.url,
    key: files.owner,
    op: { type: 'set_owner', path: '/apps/fn', value: { owners: { [fnWorker.address]: rights } } },
    waitMs: 30_000,
  });
  await signAndSubmit({
    nodeUrl: nodes[0]!.url,
    key: fnWorker,
    op: { type: 'set_function', path: '/apps/fn/$id', value: { echo: { runtime: 'nodejs', code: codeRef, owner: fnWorker.address } } },
    waitMs: 30_000,
  });
  await untilSameHeight(nodes);
  const execution = createProcessRuntime();
  const worker = startFunctionWorker({ key: fnWorker, nodeUrl: nodes[0]!.url, execution });
  try {
    // The call on n1 first: n1 holds it until the worker's first long poll takes it, so once it is
    // answered n1 knows the worker. A peer's call finds a worker only if one polls there already
    // (NO_FUNCTION_WORKER otherwise): made first, it raced the worker's start.
    const local = await invokeFunction({ url: nodes[0]!.url }, { id: 'echo', path: '/apps/fn/a2', input: 'near' });
    t.is(local.output, 'NEAR a2');
    t.is((local as { via?: string }).via, undefined, 'n1 ran it on its own worker');
    const remote = await invokeFunction({ url: nodes[2]!.url }, { id: 'echo', path: '/apps/fn/a1', input: 'far' });
    t.like(remote, { output: 'FAR a1', worker: fnWorker.address, via: 'peer' });
  } finally {
    await worker.stop();
    await execution.close();
  }

  // ain net status: every node answers, none with a problem.
  // (Waiting, bounded, for a moment when none has a problem: a busy machine may delay an answer past a window.)
  let netStatus: Awaited<ReturnType<typeof netStatusOf>> | undefined;
  await until(
    async () => (netStatus = await netStatusOf(files.dir)).code === 0,
    'ain net status to exit 0 (every node answering, none with a problem)',
    30_000,
  );
  t.deepEqual(
    netStatus!.nodes.map((n) => [n.node, n.address, n.answers, n.problems]),
    files.nodes.map((f, i) => [`n${i + 1}`, f.address, true, []]),
  );
  for (const node of nodes) await node.kill('SIGTERM');
  for (const node of files.nodes) {
    const report = await auditOf(node.dir);
    t.true(report.ok, `audit of ${node.dir}: ${JSON.stringify(report).slice(0, 400)}`);
    // Every block from 2 on carries its predecessor's certificate, which the replay checked.
    t.is(report.certificates, report.blocks - 1, `certificates checked in ${node.dir}`);
  }
});
