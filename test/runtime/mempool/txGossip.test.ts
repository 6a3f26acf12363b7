import test, { type ExecutionContext } from 'ava';
import { pino } from 'pino';
import { filter, firstValueFrom, Subject } from 'rxjs';
import { sha256Hex } from '../../../log/index.ts';
import { createTxGossip, type AddedTxs, type Mempool } from '../../../runtime/mempool/index.ts';
import { createMemoryNetwork, topicOf, type GossipHandler, type MemoryNetwork, type Transport } from '../../../runtime/net/index.ts';
import { fakeLedger, keyOf, openTestMempool, tempDir, txText } from './fixtures.ts';
import { until } from '../node/nodeProcess.ts';

const topic = topicOf('ain-local', '/', 'txs');
const alice = keyOf(1);

/** A node of the test: a mempool and its gossip on a transport of `network`, started. */
async function node(t: ExecutionContext, network: MemoryNetwork, directPeers?: ReadonlySet<string>) {
  const mempool = await openTestMempool(t, { dir: await tempDir(t), ...fakeLedger() });
  const transport = network.createTransport();
  const gossip = createTxGossip({ transport, chain: 'ain-local', shard: '/', mempool, regossipMs: 0, ...(directPeers === undefined ? {} : { directPeers }) });
  gossip.start();
  await transport.start();
  t.teardown(async () => {
    await gossip.stop();
    await transport.stop();
  });
  return { mempool, transport, gossip };
}

const heldFromPeer = (mempool: Mempool, count = 1) =>
  firstValueFrom(mempool.added$.pipe(filter(({ origin }) => origin === 'peer' && mempool.stats.txs >= count)));

test('a tx submitted to one node becomes pending in the other, and the other does not publish it again', async (t) => {
  const sent: string[] = [];
  const network = createMemoryNetwork({ onPacket: (p, event) => void (event === 'sent' && p.kind === 'gossip' && sent.push(p.from)) });
  const a = await node(t, network);
  const b = await node(t, network);
  const arrived = heldFromPeer(b.mempool);
  const [result] = await a.mempool.ingest.submit([txText(alice, 1)]);
  const { txs } = await arrived;
  t.is(txs[0]!.hash, (result as { hash: string }).hash);
  t.deepEqual(
    [...b.mempool.pending()].map((tx) => tx.nonce),
    [1],
  );
  t.deepEqual(sent, [a.transport.peerId], 'only the node that took it from its API published it');
});

test('a batch of many txs travels as few messages and all become pending', async (t) => {
  const network = createMemoryNetwork();
  const a = await node(t, network);
  const b = await node(t, network);
  const arrived = heldFromPeer(b.mempool, 20);
  await a.mempool.ingest.submit(Array.from({ length: 20 }, (_, i) => txText(keyOf(10 + i), 1)));
  await arrived;
  t.is(b.mempool.stats.txs, 20);
});

test('re-gossip sends again what waits, so a tx whose message was lost still arrives', async (t) => {
  let lose = true;
  const network = createMemoryNetwork({ faults: (p) => (lose && p.kind === 'gossip' ? 'drop' : 'deliver') });
  const a = await node(t, network);
  const b = await node(t, network);
  await a.mempool.ingest.submit([txText(alice, 1)]);
  await a.gossip.flush();
  t.is(b.mempool.stats.txs, 0, 'the first message was lost');
  lose = false;
  const arrived = heldFromPeer(b.mempool);
  t.is(await a.gossip.regossip(), 0, 'a tx is due once it has had a round to travel');
  t.is(await a.gossip.regossip(), 1);
  await arrived;
  t.is(b.mempool.stats.txs, 1);
});

/** A transport that only records the handler, to ask the validator directly. */
function handlerOf(mempool: Mempool, refusedForNowMs?: number): GossipHandler {
  let handler: GossipHandler | undefined;
  const transport = {
    subscribe: (_: string, h: GossipHandler) => void (handler = h),
    unsubscribe: () => {},
    publish: async () => ({ recipients: 0, outcome: 'noPeers' }),
  } as unknown as Transport;
  createTxGossip({
    transport,
    chain: 'ain-local',
    shard: '/',
    mempool,
    regossipMs: 0,
    maxMessageTxs: 3,
    ...(refusedForNowMs === undefined ? {} : { refusedForNowMs }),
  }).start();
  return handler!;
}

test('the validator rejects what is not a batch of tx objects, ignores a batch it has seen whole, accepts one with a new tx', async (t) => {
  const mempool = await openTestMempool(t, { dir: await tempDir(t), ...fakeLedger() });
  const handler = handlerOf(mempool);
  const bytes = (text: string) => Buffer.from(text);
  for (const garbage of ['', 'nope', '{"a":1}', '[]', '[1,2]', '[{"a":1}', '[{},{},{},{}]', '["x"]']) {
    t.is(handler.validate(bytes(garbage), 'peer-x'), 'reject', JSON.stringify(garbage));
  }
  t.is(handler.validate(new Uint8Array([0x5b, 0xff, 0x5d]), 'peer-x'), 'reject', 'not UTF-8');
  await mempool.ingest.submit([txText(alice, 1)]);
  const held = Buffer.from([...mempool.pending()][0]!.record).toString();
  t.is(handler.validate(bytes(`[${held}]`), 'peer-x'), 'ignore');
  t.is(await handler.validate(bytes(`[${held},${txText(alice, 2)}]`), 'peer-x'), 'accept', 'once its new tx is held');
  t.is(mempool.stats.txs, 2);
  // What no honest node forwards (it passes on only txs its boundary took) costs the sender: rejected, even beside a good tx.
  const forged = JSON.stringify({ ...JSON.parse(txText(alice, 4)), sig: 'ab'.repeat(64) });
  t.is(await handler.validate(bytes(`[${txText(alice, 3)},${forged}]`), 'peer-x'), 'reject');
  t.is(await handler.validate(bytes(`[{"v":1}]`), 'peer-x'), 'reject', 'BAD_SCHEMA');
  // A tx refused as junk once is junk in the next message too, beside a new good one, and so is one still being checked for another.
  t.is(await handler.validate(bytes(`[${forged},${txText(alice, 5)}]`), 'peer-x'), 'reject', 'refused before');
  const junk = JSON.stringify({ ...JSON.parse(txText(alice, 6)), sig: 'cd'.repeat(64) });
  const both = [handler.validate(bytes(`[${junk}]`), 'peer-x'), handler.validate(bytes(`[${junk},${txText(alice, 7)}]`), 'peer-x')];
  t.deepEqual(await Promise.all(both), ['reject', 'reject'], 'being checked for another message');
  t.is(
    await handler.validate(bytes(`[${txText(alice, 1)}]`), 'peer-x'),
    'ignore',
    'stale (its nonce spent: BAD_NONCE), not provably bad: neither taken nor held against the sender',
  );
});

test("a message with a tx over this node's size limit is not passed on, its other txs taken: a node with a larger limit could prove the big one invalid and count it against this one", async (t) => {
  const mempool = await openTestMempool(t, { dir: await tempDir(t), ...fakeLedger() });
  const handler = handlerOf(mempool);
  const big = JSON.stringify({ junk: 'x'.repeat(20_000) }); // TX_TOO_LARGE here, unread; BAD_SCHEMA to a node reading it
  t.is(await handler.validate(Buffer.from(`[${txText(alice, 1)},${big}]`), 'peer-x'), 'ignore');
  t.is(mempool.stats.txs, 1, 'the good tx is held (re-gossip spreads it)');
});

test('txs from a peer that fail the boundary check are dropped, and the node goes on', async (t) => {
  const network = createMemoryNetwork();
  const a = await node(t, network);
  const b = await node(t, network);
  const bad = JSON.stringify({ ...JSON.parse(txText(alice, 5)), sig: 'ab'.repeat(64) });
  const spam = [bad, '{"v":1}', txText(alice, 6, { type: 'cut', height: 1 })];
  await a.transport.publish(topic, Buffer.from(`[${spam.join(',')}]`));
  await a.transport.publish(topic, Buffer.from('garbage'));
  const arrived = heldFromPeer(b.mempool);
  await a.mempool.ingest.submit([txText(alice, 7)]);
  await arrived;
  t.deepEqual(
    [...b.mempool.pending()].map((tx) => tx.nonce),
    [7],
  );
});

test('a tx refused for room is taken from a later gossip of it once there is room', async (t) => {
  const network = createMemoryNetwork();
  const a = await node(t, network);
  const ledger = fakeLedger();
  const mempool = await openTestMempool(t, { dir: await tempDir(t), ...ledger, limits: { maxTxs: 1, maxBytes: 1 << 20, maxTxsPerSender: 8 } });
  const transport = network.createTransport();
  let told: (refused: unknown) => void = () => {};
  const refused = new Promise((resolve) => (told = resolve));
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void (JSON.parse(line).msg === 'txs from a peer refused' && told(JSON.parse(line).refused)) },
  );
  const gossip = createTxGossip({ transport, chain: 'ain-local', shard: '/', mempool, regossipMs: 0, refusedForNowMs: 50, logger });
  gossip.start();
  await transport.start();
  t.teardown(async () => {
    await gossip.stop();
    await transport.stop();
  });
  const bob = keyOf(2);
  await a.mempool.ingest.submit([txText(alice, 1), txText(bob, 1)]);
  t.deepEqual(await refused, ['MEMPOOL_FULL']);
  t.is(mempool.stats.txs, 1, 'room for one: the other was refused (MEMPOOL_FULL)');
  const [held] = [...mempool.pending()];
  ledger.nonces.set(held!.from, 1);
  mempool.prune([held!.hash]);
  const later = heldFromPeer(mempool);
  let came = false;
  void later.then(() => (came = true));
  // Gossip of it again is ignored until the refusal is forgotten (refusedForNowMs): re-gossip until it comes.
  await until(
    async () => {
      if (!came) await a.gossip.regossip();
      return came;
    },
    'the refused tx taken from a re-gossip',
    20_000,
  );
  const { txs } = await later;
  t.not(txs[0]!.from, held!.from, 'the tx refused for room came with the re-gossip');
});

test('a tx refused for now and gossiped again at once is ignored unchecked: a sender past its room costs one check, not one a message', async (t) => {
  const mempool = await openTestMempool(t, { dir: await tempDir(t), ...fakeLedger(), limits: { maxTxs: 1, maxBytes: 1 << 20, maxTxsPerSender: 8 } });
  const handler = handlerOf(mempool, 60_000);
  await mempool.ingest.submit([txText(alice, 1)]);
  const bob = txText(keyOf(2), 1);
  t.is(await handler.validate(Buffer.from(`[${bob}]`), 'peer-x'), 'ignore', 'refused: MEMPOOL_FULL');
  t.is(mempool.stats.txs, 1);
  // Again, in other bytes (gossip would take them as a new message): judged at once, not checked.
  t.is(handler.validate(Buffer.from(`[ ${bob} ]`), 'peer-x'), 'ignore');
});

test('a batch from a direct peer is kept, not forwarded (the direct peer sent it to the others); one from another peer is forwarded once its txs are held', async (t) => {
  const sent: string[] = [];
  let forwarded: () => void = () => {};
  let heldWhenForwarded = -1;
  const network = createMemoryNetwork({
    onPacket: (p, event) => {
      if (event !== 'sent' || p.kind !== 'gossip') return;
      sent.push(p.from);
      if (p.from === c.transport.peerId) {
        heldWhenForwarded = c.mempool.stats.txs;
        forwarded();
      }
    },
  });
  const a = await node(t, network);
  const b = await node(t, network, new Set([a.transport.peerId]));
  const c = await node(t, network);
  const arrived = Promise.all([heldFromPeer(b.mempool), heldFromPeer(c.mempool), new Promise<void>((resolve) => (forwarded = resolve))]);
  await a.mempool.ingest.submit([txText(alice, 1)]);
  await arrived;
  await a.gossip.flush();
  t.is(sent.filter((peer) => peer === a.transport.peerId).length, 2, 'A published to B and C');
  t.is(sent.filter((peer) => peer === b.transport.peerId).length, 0, 'B kept what A sent');
  t.is(sent.filter((peer) => peer === c.transport.peerId).length, 1, 'C, without direct peers, forwarded it to B');
  t.is(heldWhenForwarded, 1, 'once its tx was held');
});

test('txs of a peer being checked into the mempool are arriving, by ref, until the check settles', async (t) => {
  let settle: (results: never[]) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const submitted: string[][] = [];
  const mempool = {
    peerIngest: {
      submit: (texts: readonly string[]) => {
        submitted.push([...texts]);
        return new Promise<never[]>((resolve, reject) => {
          settle = resolve;
          fail = reject;
        });
      },
    },
    added$: new Subject<AddedTxs>(),
    pending: () => [][Symbol.iterator](),
  } as unknown as Mempool;
  let handler: GossipHandler | undefined;
  const transport = { subscribe: (_: string, h: GossipHandler) => void (handler = h), unsubscribe: () => {} } as unknown as Transport;
  const gossip = createTxGossip({ transport, chain: 'ain-local', shard: '/', mempool, regossipMs: 0 });
  gossip.start();
  const texts = [txText(alice, 1), txText(alice, 2)];
  const bytes = Buffer.from(`[${texts.join(',')}]`);
  const validated = handler!.validate(bytes, 'peer-x');
  t.deepEqual(submitted, [texts], 'a peer’s txs go to the mempool as the message is validated');
  const refs = texts.map((text) => sha256Hex(text));
  const arriving = gossip.arriving([refs[1]!, 'f'.repeat(64)]);
  t.not(arriving, undefined, 'one of them is on its way');
  t.is(gossip.arriving(['f'.repeat(64)]), undefined, 'a ref no message brought');
  let done = false;
  void arriving!.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  t.false(done, 'not before the check settles');
  settle(texts.map((text) => ({ hash: sha256Hex(text) })) as never[]);
  await arriving;
  t.is(await validated, 'accept', 'held: the message goes on');
  handler!.onMessage(bytes, 'peer-x');
  t.is(submitted.length, 1, 'delivered after its check: not submitted again');
  t.is(gossip.arriving(refs), undefined, 'settled: held or refused, no longer on its way');
  // A submit that fails (the node busy or stopping) ends the wait too.
  const later = Buffer.from(`[${txText(alice, 3)}]`);
  const notTaken = handler!.validate(later, 'peer-x');
  const failing = gossip.arriving([sha256Hex(txText(alice, 3))]);
  t.not(failing, undefined);
  fail(new Error('the node is stopping'));
  t.is(await notTaken, 'ignore', 'not taken: not forwarded, nor held against the sender');
  await failing;
  t.is(gossip.arriving([sha256Hex(txText(alice, 3))]), undefined);
  await gossip.stop();
});
