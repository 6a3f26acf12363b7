import test, { type ExecutionContext } from 'ava';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyPair, signTx, txHashOf } from '../../../log/index.ts';
import { waitForTx } from '../../../runtime/client/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { startNodeProcess, until, type NodeProcess } from '../node/nodeProcess.ts';
import {
  headersOfAll,
  heightsOf,
  initNetwork,
  netOf,
  netStatusOf,
  openUserPaths,
  startNetwork,
  untilPeers,
  untilSameHeight,
  untilWritten,
  writeAsUsers,
} from './networkHarness.ts';
import { putBehindRelays } from './relayedNode.ts';

// Four validators, the fourth behind TCP relays (relayedNode.ts: it announces a relay and dials
// only the relays in its config). It is frozen (SIGSTOP) for 10 s: the other three hold 3/4 of the
// power, more than 2/3, and go on; thawed, it catches up. Then its relays are cut for 10 s: it sees
// no peer while the three go on; restored, it catches up and the chain goes on with it. Then two of
// the four are killed (one after it voted at the height the two left halt at): the two left hold
// half, too few to decide, so the chain halts where it is (no fork: their headers stay equal)
// while txs wait, and each names the two whose nodes stop answering; one of the killed restarted makes three
// again, and the waiting txs get applied. While the fourth is cut off, one sender's two txs go to
// two nodes: the later nonce lands with the three, so the earlier one, which only the cut-off
// node holds, can never land; once caught up, that node answers TX_DROPPED for it.

/** How long the fourth node stays frozen: long enough for peers' pings and requests to it to time out. */
const frozenMs = 10_000;
/** How long its relays stay cut, as long. */
const cutMs = 10_000;
/** Txs sent in one request while it is cut off: more than a block's records the consensus thread checks itself. */
const cutBatchTxs = 30;

/** Waits until every node holds the same headers (heights, hashes, state roots), and returns the height. */
async function untilSameHeaders(t: ExecutionContext, nodes: readonly NodeProcess[], what: string): Promise<number> {
  const height = await untilSameHeight(nodes);
  const all = await headersOfAll(nodes, height);
  for (const headers of all.slice(1)) t.deepEqual(headers, all[0], what);
  return height;
}

test('one node frozen, then cut off: the other three go on and it catches up; two killed: the chain halts without a fork and resumes when one returns', async (t) => {
  t.timeout(230_000);
  // How long each phase took, in the test's log: what CI minutes go to.
  const took: string[] = [];
  let phaseStart = Date.now();
  const phaseDone = (name: string) => {
    took.push(`${name} ${((Date.now() - phaseStart) / 1000).toFixed(1)} s`);
    phaseStart = Date.now();
  };
  const files = await initNetwork(t, 4);
  const relayed = await putBehindRelays(t, files, 3);
  const nodes = await startNetwork(t, files);
  await openUserPaths(files, nodes[0]!);
  // Each knows which validator every peer is (the signed claim in its status answer), the fourth's
  // through its relays too, and that all answer.
  t.deepEqual(
    await Promise.all(nodes.map(async (node) => (await netOf(node)).peerId)),
    files.nodes.map((f) => f.peerId),
  );
  for (const node of nodes) {
    await until(
      async () => (await netOf(node)).validators.every((v) => v.reachable === true),
      `${node.dataDir} to have had an answer from every validator's node`,
      30_000,
    );
    const { validators } = await netOf(node);
    t.deepEqual(
      validators.map((v) => [v.address, v.peerId]).sort(),
      files.nodes.map((f) => [f.address, f.peerId]).sort(),
      `${node.dataDir} maps each validator to its node's peer id`,
    );
  }
  phaseDone('start');

  const frozen = nodes[3]!;
  const thawed = nodes.slice(0, 3);
  const stoppedAt = Date.now();
  frozen.child.kill('SIGSTOP');
  const whileFrozen = await writeAsUsers(thawed, 6);
  for (const node of thawed) await untilWritten(node, whileFrozen);
  await sleep(Math.max(0, stoppedAt + frozenMs - Date.now()));
  frozen.child.kill('SIGCONT');
  await untilWritten(frozen, whileFrozen);
  await untilSameHeaders(t, nodes, 'the same headers on all four after the thaw');
  phaseDone('freeze');

  const cutOff = nodes[3]!;
  const others = nodes.slice(0, 3);
  const throughRelays = relayed.relays.reduce((sum, relay) => sum + relay.connections(), 0);
  t.true(throughRelays >= 3, `the fourth node's connections to its 3 peers all go through the relays (${throughRelays} there)`);
  const cutAt = Date.now();
  relayed.cut();
  await until(async () => (await netOf(cutOff)).peers.length === 0, `${cutOff.dataDir} to see no peer once cut off`, 30_000);
  for (const node of others) await until(async () => (await netOf(node)).peers.length === 2, `${node.dataDir} to see the cut-off node go`, 30_000);
  const whileCut = await writeAsUsers(others, 6, 200);
  // And a batch in one request: a block of its txs, which the cut-off node fetches without holding one of them.
  const batchUsers = Array.from({ length: cutBatchTxs }, () => generateKeyPair());
  const batch = batchUsers.map((key, i) =>
    signTx({ key, op: { type: 'set_value', path: `/apps/net/${key.address}`, value: 400 + i }, nonce: 1, time: Date.now() }),
  );
  t.like((await others[0]!.post('/v1/txs', batch)).body, { accepted: cutBatchTxs });
  const sender = generateKeyPair();
  const senderTx = (nonce: number) =>
    signTx({ key: sender, op: { type: 'set_value', path: `/apps/net/${sender.address}`, value: nonce }, nonce, time: Date.now() });
  const [early, late] = [senderTx(5), senderTx(10)];
  t.is((await cutOff.post('/v1/tx', early)).status, 202, 'the cut-off node acknowledges the earlier nonce');
  t.is((await others[0]!.post('/v1/tx', late)).status, 202);
  for (const node of others) await untilWritten(node, whileCut, 200);
  await until(
    async () => (await others[0]!.get<{ outcome?: { code: string } }>(`/v1/tx/${txHashOf(late)}`)).outcome?.code === 'ok',
    'the later nonce in a block',
  );
  await sleep(Math.max(0, cutAt + cutMs - Date.now()));
  t.deepEqual((await netOf(cutOff)).peers, [], 'no peer reached the cut-off node around its relays');
  t.true(
    relayed.relays.some((relay) => relay.refused() > 0),
    'the nodes kept dialling through the relays while cut',
  );
  for (const node of others) await untilWritten(node, batchUsers, 400);
  relayed.restore();
  await untilWritten(cutOff, whileCut, 200);
  await untilWritten(cutOff, batchUsers, 400);
  // It fetched what it missed, and checked the records it did not hold on its verify threads.
  const figures = await (await fetch(`${cutOff.url}/metrics`)).text();
  const figure = (pattern: RegExp) => Number(pattern.exec(figures)?.[1] ?? 0);
  t.true(figure(/^ain_consensus_fetched_blocks_total (\d+)$/m) > 0, 'ain_consensus_fetched_blocks_total on the cut-off node');
  t.true(
    figure(/^ain_consensus_block_records_total\{checked="verify_threads"\} (\d+)$/m) > 0,
    `the batch's records checked on the verify threads: ${figures
      .split('\n')
      .filter((l) => l.startsWith('ain_consensus_block_records_total'))
      .join(', ')}`,
  );
  await untilSameHeaders(t, nodes, 'the same headers on all four after the cut');
  await until(
    async () => (await cutOff.get<{ outcome?: { code: string } }>(`/v1/tx/${txHashOf(late)}`)).outcome?.code === 'ok',
    'the later nonce applied on the cut-off node',
  );
  const dropped = await fetch(`${cutOff.url}/v1/tx/${txHashOf(early)}`);
  t.is(dropped.status, 410);
  t.like(await dropped.json(), { code: 'TX_DROPPED', details: { hash: txHashOf(early), from: sender.address, nonce: 5, spent: 10 } });
  const afterCut = await writeAsUsers([cutOff, ...others], 4, 300);
  for (const node of nodes) await untilWritten(node, afterCut, 300);
  const height = await untilSameHeaders(t, nodes, 'the same headers on all four, the chain going on with the node that was cut off');
  phaseDone('cut');

  const live = nodes.slice(0, 2);
  const logOf = (node: NodeProcess) => join(node.dataDir, 'node.log');
  const logFrom = await Promise.all(live.map(async (node) => (await stat(logOf(node))).size));
  const votedAtNext = async (node: NodeProcess) =>
    until(
      async () => {
        const { consensus } = await netOf(node);
        return consensus.height === height + 1 && consensus.step !== 'propose';
      },
      `${node.dataDir} to vote at height ${height + 1}`,
      30_000,
    );
  // The fourth goes first; with the second frozen, the first and third start the next height and
  // vote in it (half the power: no block); then the third dies and the second thaws. The third's
  // votes at the height still go round (each node sends the votes it holds again every second),
  // but its node no longer answers: it is not counted as reached.
  await nodes[3]!.kill('SIGKILL');
  nodes[1]!.child.kill('SIGSTOP');
  const waiting = await writeAsUsers([nodes[0]!, nodes[2]!], 4, 100);
  for (const node of [nodes[0]!, nodes[2]!]) await votedAtNext(node);
  await nodes[2]!.kill('SIGKILL');
  nodes[1]!.child.kill('SIGCONT');
  // Both live ones started the next height and voted in it, but two votes of four decide nothing.
  for (const node of live) await votedAtNext(node);
  t.deepEqual(await heightsOf(live), [height, height], 'no block without a quorum');
  const halted = await headersOfAll(live, height);
  t.deepEqual(halted[1], halted[0], 'no fork: the two live nodes hold the same headers');
  // Each says why no block comes (10 s into the height): the validators it reaches hold half the power.
  for (const [i, node] of live.entries()) {
    const said = async () => (await readFile(logOf(node))).subarray(logFrom[i]).toString().includes('no block can be decided');
    await until(said, `${node.dataDir} to say in its log that no block can be decided`, 30_000);
    // And GET /v1/health, naming the two it has not heard from at this height.
    const { problems } = await node.get<{ problems: { code: string; message: string; missing?: string[] }[] }>('/v1/health');
    const stall = problems.find((p) => p.code === 'CONSENSUS_STALLED');
    t.deepEqual(stall?.missing?.slice().sort(), [files.nodes[2]!.address, files.nodes[3]!.address].sort(), JSON.stringify(problems));
    t.regex(stall?.message ?? '', new RegExp(`^No block decided here at height ${height + 1} for \\d+ s .*a decision needs more than 2/3: are 0x`));
    // And that the two killed stopped answering it, with the half of the stake that is left.
    const silent = problems.find((p) => p.code === 'VALIDATORS_UNREACHABLE');
    t.deepEqual(silent?.missing?.slice().sort(), [files.nodes[2]!.address, files.nodes[3]!.address].sort(), JSON.stringify(problems));
    const [, held, total] = /hold (\d+) of (\d+) AIN staked: 2\/3 or less, so no block can be decided until more answer/.exec(silent?.message ?? '') ?? [];
    t.is(2n * BigInt(held ?? 0), BigInt(total ?? -1), `half the stake answers: ${silent?.message}`);
    const { validators } = await netOf(node);
    t.deepEqual(validators.map((v) => [v.address, v.reachable]).sort(), files.nodes.map((f, i) => [f.address, i < 2]).sort());
  }
  // ain net status says the same of the whole network, and fails.
  const status = await netStatusOf(files.dir);
  t.is(status.code, 1);
  t.deepEqual(
    status.nodes.map((n) => [n.node, n.answers]),
    [
      ['n1', true],
      ['n2', true],
      ['n3', false],
      ['n4', false],
    ],
  );
  t.true(
    status.nodes.slice(0, 2).every((n) => n.height === height && n.problems.some((p) => p.code === 'VALIDATORS_UNREACHABLE')),
    JSON.stringify(status.nodes),
  );
  // A client waiting for a tx the node took (ain tx submit --wait) is told why it is in no block.
  const user = generateKeyPair();
  const stuck = signTx({ key: user, op: { type: 'set_value', path: `/apps/net/${user.address}`, value: 0 }, nonce: 1, time: Date.now() });
  t.is((await live[0]!.post('/v1/tx', stuck)).status, 202);
  const notYet = await t.throwsAsync(waitForTx(live[0]!.url, txHashOf(stuck), Date.now() + 200));
  t.true(isAinError(notYet, 'NOT_FOUND'), String(notYet));
  t.regex(
    notYet?.message ?? '',
    /^Tx [0-9a-f]{64} waits in the node's mempool, in no block yet; it may still land: .* The node says CONSENSUS_STALLED: No block decided here at height/,
  );
  // One it never had is not said to wait (ain tx verify of a hash from elsewhere).
  const unknown = await t.throwsAsync(waitForTx(live[0]!.url, 'f'.repeat(64), Date.now() + 200));
  t.regex(unknown?.message ?? '', /^Tx f{64} is in no block the node holds yet, and the node does not hold it either; if this node took it/);

  // The one that comes back is the node that was cut off: the stale tx it held is TX_DROPPED again
  // after its restart (found spent by its journal's replay, or by the first block its follower
  // replays, and in no block of its history, whole since the start).
  const returned = await startNodeProcess(files.nodes[3]!.dir, []);
  nodes[3] = returned;
  const three = [...live, returned];
  const droppedAgain = async () => (await fetch(`${returned.url}/v1/tx/${txHashOf(early)}`)).json() as Promise<{ code: string }>;
  await until(async () => (await droppedAgain()).code === 'TX_DROPPED', 'the stale tx TX_DROPPED after the restart', 30_000);
  t.like(await droppedAgain(), { details: { hash: txHashOf(early), nonce: 5, spent: 10 } });
  await untilPeers(returned, 2);
  for (const node of three) await untilWritten(node, waiting, 100);
  const resumed = await untilSameHeight(three);
  t.true(resumed > height, 'the chain resumed');
  const after = await headersOfAll(three, resumed);
  for (const headers of after.slice(1)) t.deepEqual(headers, after[0], 'the same headers on the three');
  phaseDone('halt');
  t.log(`halted at ${height}, resumed to ${resumed}; ${took.join(', ')}`);
});
