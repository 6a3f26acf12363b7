import test from 'ava';
import { readdir } from 'node:fs/promises';
import { pino } from 'pino';
import { consensusOps } from '../../../runtime/mempool/index.ts';
import { defaultMempoolConfig, P2pConfig, type Tx } from '../../../schemas/index.ts';
import { sha256Hex, txHashOf, type KeyPair } from '../../../log/index.ts';
import { codesOf, fakeLedger, keyOf, openTestMempool, tempDir, txText } from './fixtures.ts';

const alice = keyOf(1);
const bob = keyOf(2);

test('bounds per sender and in total are refused with their codes before anything is journaled', async (t) => {
  const dir = await tempDir(t);
  const mempool = await openTestMempool(t, { dir, ...fakeLedger(), limits: { maxTxs: 4, maxBytes: 1 << 20, maxTxsPerSender: 3 } });
  t.deepEqual(codesOf(await mempool.ingest.submit([1, 2, 3, 4].map((n) => txText(alice, n)))), ['ok', 'ok', 'ok', 'MEMPOOL_SENDER_FULL']);
  t.deepEqual(codesOf(await mempool.ingest.submit([1, 2].map((n) => txText(bob, n)))), ['ok', 'MEMPOOL_FULL']);
  t.is(mempool.stats.txs, 4);
  const [full] = await mempool.ingest.submit([txText(keyOf(3), 1)]);
  t.regex('message' in full! ? full.message : '', /holds 4 txs of \d+ bytes \(at most 4 txs/);
});

test("a peer's tx refused for room holds its sender's later nonces back (NONCE_GAP, and out of blocks), until a block passes them or a minute goes; a local refusal holds nothing", async (t) => {
  const dir = await tempDir(t);
  const ledger = fakeLedger();
  let nowMs = 1_000;
  const mempool = await openTestMempool(t, { dir, ...ledger, now: () => nowMs, limits: { maxTxs: 3, maxBytes: 1 << 20, maxTxsPerSender: 8 } });
  const take = () => mempool.take({ maxTxs: 10, maxBytes: 1 << 20 });
  /** A block of what `take` gives from `senders`: the ledger passes their nonces, the mempool lets them go. */
  const block = (...senders: KeyPair[]) => {
    const taken = take().filter((tx) => senders.some((key) => key.address === tx.from));
    for (const tx of taken) ledger.nonces.set(tx.from, Math.max(tx.nonce, ledger.ledgerNonce(tx.from)));
    mempool.committed(taken);
    return taken.map((tx) => tx.nonce);
  };
  await mempool.ingest.submit([1, 2].map((n) => txText(bob, n)));
  // A peer's gossip of alice's txs 1 and 2 meets a full mempool after the first.
  t.deepEqual(codesOf(await mempool.peerIngest.submit([1, 2].map((n) => txText(alice, n)))), ['ok', 'MEMPOOL_FULL']);
  t.deepEqual(block(bob), [1, 2]);
  // Room now, but alice's 3 in a block here would spend nonce 2, which the peer acknowledged: refused, gossiped or local.
  const [gap] = await mempool.peerIngest.submit([txText(alice, 3)]);
  t.like(gap, { code: 'NONCE_GAP' });
  t.regex(
    'message' in gap! ? gap.message : '',
    /refused txs of 0x[0-9a-f]{40} from nonce 2 \(a peer's, for room\) and takes none of its later nonces until a block passes nonce 3 or 60 s/,
  );
  t.deepEqual(codesOf(await mempool.ingest.submit([txText(alice, 4)])), ['NONCE_GAP']);
  t.deepEqual(block(alice), [1]);
  // The peer's block took 2 and 3: the ledger has passed every nonce held back.
  ledger.nonces.set(alice.address, 3);
  t.deepEqual(codesOf(await mempool.peerIngest.submit([txText(alice, 4)])), ['ok']);
  t.deepEqual(block(alice), [4]);

  // A hold also keeps a later nonce already held out of blocks, until a minute after the last refusal.
  const carol = keyOf(4);
  t.deepEqual(codesOf(await mempool.peerIngest.submit([txText(carol, 5)])), ['ok']);
  await mempool.ingest.submit([3, 4].map((n) => txText(bob, n)));
  t.deepEqual(codesOf(await mempool.peerIngest.submit([txText(carol, 3)])), ['MEMPOOL_FULL']);
  t.deepEqual(block(carol), [], "carol's 5 waits while her 3 is held back");
  nowMs += 60_000;
  t.deepEqual(block(carol), [5], 'a minute after the last refusal the hold is gone');

  // A local refusal goes back to its signer and holds nothing.
  const dave = keyOf(5);
  block(bob);
  await mempool.ingest.submit([5, 6].map((n) => txText(bob, n)));
  t.deepEqual(codesOf(await mempool.ingest.submit([1, 2].map((n) => txText(dave, n)))), ['ok', 'MEMPOOL_FULL']);
  block(bob);
  t.deepEqual(codesOf(await mempool.ingest.submit([txText(dave, 3)])), ['ok']);
});

test('a byte bound refuses the tx that would pass it', async (t) => {
  const dir = await tempDir(t);
  const one = Buffer.byteLength(txText(alice, 1));
  const mempool = await openTestMempool(t, { dir, ...fakeLedger(), limits: { maxTxs: 100, maxBytes: one * 2 + 10, maxTxsPerSender: 10 } });
  t.deepEqual(codesOf(await mempool.ingest.submit([1, 2, 3].map((n) => txText(alice, n)))), ['ok', 'ok', 'MEMPOOL_FULL']);
});

test('a retry gets the same answer and is held once; a spent nonce is BAD_NONCE; another tx with a held nonce is NONCE_PENDING', async (t) => {
  const dir = await tempDir(t);
  const ledger = fakeLedger();
  ledger.nonces.set(alice.address, 5);
  const mempool = await openTestMempool(t, { dir, ...ledger });
  const first = await mempool.ingest.submit([txText(alice, 6)]);
  t.deepEqual(await mempool.ingest.submit([txText(alice, 6)]), first);
  t.deepEqual(await mempool.peerIngest.submit([txText(alice, 6)]), first, 'the other ingest answers from what is held');
  t.is(mempool.stats.txs, 1);
  const other = txText(alice, 6, { type: 'set_value', path: '/apps/test/other', value: 1 });
  t.deepEqual(codesOf(await mempool.ingest.submit([txText(alice, 5), other])), ['BAD_NONCE', 'NONCE_PENDING']);
});

test('a tx sent again to the API after it landed (a client retrying after a lost answer) is answered with where it is in the log, not BAD_NONCE; a peer gossiping it gets BAD_NONCE', async (t) => {
  const dir = await tempDir(t);
  const ledger = fakeLedger();
  ledger.nonces.set(alice.address, 6);
  const landed = txText(alice, 6);
  const hash = txHashOf(JSON.parse(landed) as Tx);
  const mempool = await openTestMempool(t, { dir, ...ledger, landedAt: (h: string) => (h === hash ? 41 : undefined) });
  const [again] = await mempool.ingest.submit([landed]);
  t.like(again, { offset: 41 });
  t.is(mempool.stats.txs, 0, 'not held: it is in a block');
  t.deepEqual(codesOf(await mempool.ingest.submit([txText(alice, 5)])), ['BAD_NONCE'], 'a spent nonce that landed under another tx is still refused');
  t.deepEqual(codesOf(await mempool.peerIngest.submit([landed])), ['BAD_NONCE'], "a peer's gossip of it is refused at the first hop, not forwarded");
});

test('ops made by consensus are refused with CONSENSUS_OP and a sentence', async (t) => {
  const dir = await tempDir(t);
  const mempool = await openTestMempool(t, { dir, ...fakeLedger() });
  const results = await mempool.ingest.submit([
    txText(alice, 1, { type: 'cut', height: 1 }),
    txText(alice, 2, { type: 'attest', height: 1, hash: 'a'.repeat(64), genesis: 'b'.repeat(64) }),
  ]);
  t.deepEqual(codesOf(results), ['CONSENSUS_OP', 'CONSENSUS_OP']);
  t.regex('message' in results[0]! ? results[0].message : '', /A cut op is made by the network's consensus/);
  t.deepEqual([...consensusOps], ['cut', 'attest', 'commit', 'evidence'], 'commit and evidence are refused by name');
  t.is(mempool.stats.txs, 0);
});

test('take gives each sender its txs above its ledger nonce in nonce order, senders in turn by first arrival, within the bounds', async (t) => {
  const dir = await tempDir(t);
  const ledger = fakeLedger();
  const mempool = await openTestMempool(t, { dir, ...ledger });
  await mempool.ingest.submit([txText(alice, 9), txText(alice, 3)]);
  await mempool.ingest.submit([txText(bob, 2), txText(bob, 1), txText(alice, 5)]);
  const who = (txs: readonly { from: string; nonce: number }[]) => txs.map((tx) => `${tx.from === alice.address ? 'a' : 'b'}${tx.nonce}`);
  t.deepEqual(who(mempool.take({ maxTxs: 100, maxBytes: 1 << 20 })), ['a3', 'b1', 'a5', 'b2', 'a9']);
  t.deepEqual(who(mempool.take({ maxTxs: 3, maxBytes: 1 << 20 })), ['a3', 'b1', 'a5']);
  const size = mempool.take({ maxTxs: 1, maxBytes: 1 << 20 })[0]!.record.byteLength;
  t.deepEqual(who(mempool.take({ maxTxs: 100, maxBytes: size * 2 + 1 })), ['a3', 'b1']);
  ledger.nonces.set(alice.address, 4);
  t.deepEqual(who(mempool.take({ maxTxs: 100, maxBytes: 1 << 20 })), ['a5', 'b1', 'a9', 'b2'], 'a spent nonce is not taken');
  t.deepEqual(who(mempool.take({ maxTxs: 100, maxBytes: 1 << 20, nonceOf: () => 2 })), ['a3', 'a5', 'a9'], 'the caller may name the nonces');
  t.is(mempool.stats.txs, 5, 'take keeps what it gives');
});

test('a tx after a nonce gap waits gapWaitMs from its arrival for the gap to fill; one that fills it goes first', async (t) => {
  const dir = await tempDir(t);
  let nowMs = 1000;
  const mempool = await openTestMempool(t, { dir, ...fakeLedger(), gapWaitMs: 500, now: () => nowMs });
  const who = (txs: readonly { from: string; nonce: number }[]) => txs.map((tx) => `${tx.from === alice.address ? 'a' : 'b'}${tx.nonce}`);
  // Each sender's txs in the order taken (the order across senders is the other test's).
  const take = (nonceOf?: (from: string) => number) => {
    const taken = who(mempool.take({ maxTxs: 10, maxBytes: 1 << 20, nonceOf }));
    return [...taken.filter((tx) => tx.startsWith('a')), ...taken.filter((tx) => tx.startsWith('b'))];
  };
  // Alice's nonce 2 came first (her nonce 1 went to another node); bob's 1 follows his ledger nonce, his 3 skips 2.
  await mempool.ingest.submit([txText(alice, 2), txText(bob, 1), txText(bob, 3)]);
  t.deepEqual(take(), ['b1'], 'alice’s 2 and bob’s 3 wait for their gaps');
  nowMs = 1499;
  t.deepEqual(
    take((from) => (from === bob.address ? 1 : 0)),
    [],
    'still waiting a millisecond before the bound',
  );
  await mempool.ingest.submit([txText(alice, 1)]);
  t.deepEqual(take(), ['a1', 'a2', 'b1'], 'the gap filled: alice’s two go in, in order');
  nowMs = 1500;
  t.deepEqual(take(), ['a1', 'a2', 'b1', 'b3'], 'past the wait, bob’s 3 goes in too');
});

test('hasReady: nothing ready while every waiting tx sits after a gap younger than the wait', async (t) => {
  const dir = await tempDir(t);
  let nowMs = 0;
  const mempool = await openTestMempool(t, { dir, ...fakeLedger(), gapWaitMs: 2000, now: () => nowMs });
  await mempool.ingest.submit([txText(alice, 3)]);
  t.false(mempool.hasReady());
  t.is(mempool.stats.txs, 1);
  nowMs = 2000;
  t.true(mempool.hasReady());
  t.deepEqual(
    mempool.take({ maxTxs: 10, maxBytes: 1 << 20 }).map((tx) => tx.nonce),
    [3],
  );
});

test('committed drops what a block included and what it made stale', async (t) => {
  const dir = await tempDir(t);
  const ledger = fakeLedger();
  const warnings: unknown[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
  const mempool = await openTestMempool(t, { dir, ...ledger, logger });
  await mempool.ingest.submit([3, 5, 9].map((n) => txText(alice, n)).concat([txText(bob, 1)]));
  const [a3] = mempool.take({ maxTxs: 1, maxBytes: 1 << 20 });
  const a5 = [...mempool.pending()].find((tx) => tx.nonce === 5)!;
  // The block holds a3 and a tx of alice's at nonce 6 this node never saw: a5 can no longer go in.
  t.is(mempool.committed([a3!, { hash: 'f'.repeat(64), from: alice.address, nonce: 6 }]), 2);
  t.like(warnings, [
    {
      stale: 1,
      msg: 'dropped txs a block made stale: a later nonce of their sender went in first, so they can no longer land (GET /v1/tx/<hash> says TX_DROPPED)',
    },
  ]);
  t.deepEqual(
    [...mempool.pending()].map((tx) => tx.nonce),
    [9, 1],
  );
  t.false(mempool.has(a3!.hash));
  t.like(mempool.dropped(a5.hash), { from: alice.address, nonce: 5, spent: 6 }, "the block's nonce that passed it");
  t.is(mempool.dropped(a3!.hash), undefined, 'what a block included was not dropped');
  ledger.nonces.set(bob.address, 1);
  t.is(mempool.prune(), 1, 'prune drops what the ledger has spent');
  t.is(mempool.stats.txs, 1);
});

test("prune after a block: the block's txs go, and those whose nonce the ledger passed without them are kept as dropped, the newest first to stay", async (t) => {
  const dir = await tempDir(t);
  const ledger = fakeLedger();
  const warnings: { stale?: number; txs?: unknown[] }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
  const mempool = await openTestMempool(t, { dir, ...ledger, logger });
  await mempool.ingest.submit([txText(alice, 1), txText(alice, 2), txText(bob, 4)]);
  const [a1, a2, b4] = [...mempool.pending()];
  // The ledger applied a block with alice's 1 and a 7 of bob's sent to another node.
  ledger.nonces.set(alice.address, 1);
  ledger.nonces.set(bob.address, 7);
  t.is(mempool.prune([a1!.hash, 'f'.repeat(64)]), 2);
  t.like(warnings, [{ stale: 1, txs: [{ hash: b4!.hash, from: bob.address, nonce: 4 }] }]);
  t.deepEqual(mempool.dropped(b4!.hash), { hash: b4!.hash, from: bob.address, nonce: 4, spent: 7 });
  t.is(mempool.dropped(a1!.hash), undefined);
  t.deepEqual(
    [...mempool.pending()].map((tx) => tx.hash),
    [a2!.hash],
  );
  // A tx whose nonce was spent while the node was down is not held after a restart, and is kept as
  // dropped at the replay: it may have landed, which only the node's block history can tell.
  await mempool.close();
  ledger.nonces.set(alice.address, 2);
  const again = await openTestMempool(t, { dir, ...ledger });
  t.is(again.stats.txs, 0);
  t.deepEqual(again.dropped(a2!.hash), { hash: a2!.hash, from: alice.address, nonce: 2, spent: 2, atReplay: true });
  // So is every spent tx the journal still holds: a1 (in a block, where GET /v1/tx finds it first) and b4 (stale).
  t.like(again.dropped(a1!.hash), { nonce: 1, spent: 2, atReplay: true });
  t.like(again.dropped(b4!.hash), { nonce: 4, spent: 7, atReplay: true });
});

test("prune with a block's senders looks only at theirs: a block moves no other sender's nonce", async (t) => {
  const dir = await tempDir(t);
  const ledger = fakeLedger();
  const mempool = await openTestMempool(t, { dir, ...ledger });
  await mempool.ingest.submit([txText(alice, 1), txText(alice, 2), txText(bob, 4)]);
  const [a1, , b4] = [...mempool.pending()];
  ledger.nonces.set(alice.address, 1);
  ledger.nonces.set(bob.address, 7);
  t.is(mempool.prune([a1!.hash], [alice.address]), 1, "alice's 1 went; bob, not a sender of this block, was not looked at");
  t.is(mempool.dropped(b4!.hash), undefined);
  t.is(mempool.prune(['f'.repeat(64)], [bob.address]), 1, "a block with bob's 7 (sent elsewhere) makes his 4 stale");
  t.like(mempool.dropped(b4!.hash), { nonce: 4, spent: 7 });
  t.deepEqual(
    [...mempool.pending()].map((tx) => tx.nonce),
    [2],
  );
});

test('a held tx is found by the SHA-256 of its record (a compact proposal’s ref), from the journal too, until it leaves', async (t) => {
  const dir = await tempDir(t);
  const ledger = fakeLedger();
  const first = await openTestMempool(t, { dir, ...ledger });
  await first.ingest.submit([txText(alice, 1), txText(alice, 2)]);
  const [a1, a2] = [...first.pending()];
  t.is(first.byRef(sha256Hex(a1!.record))?.hash, a1!.hash);
  t.is(a2!.ref, sha256Hex(a2!.record));
  t.is(first.byRef(sha256Hex(txText(bob, 1))), undefined);
  await first.close();
  const again = await openTestMempool(t, { dir, ...ledger });
  t.is(again.byRef(a2!.ref)?.hash, a2!.hash, 'replayed from the journal');
  t.is(again.committed([{ hash: a1!.hash, from: alice.address, nonce: 1 }]), 1);
  t.is(again.byRef(a1!.ref), undefined, 'gone with the tx');
  t.is(again.byRef(a2!.ref)?.hash, a2!.hash);
});

test('after a restart the journal gives back every acknowledged tx but those the ledger has spent', async (t) => {
  const dir = await tempDir(t);
  const ledger = fakeLedger();
  const first = await openTestMempool(t, { dir, ...ledger });
  const results = await first.ingest.submit([1, 2, 3].map((n) => txText(alice, n)).concat([txText(bob, 7)]));
  t.deepEqual(codesOf(results), ['ok', 'ok', 'ok', 'ok']);
  await first.close();
  ledger.nonces.set(alice.address, 1);
  const again = await openTestMempool(t, { dir, ...ledger });
  t.deepEqual(
    [...again.pending()].map((tx) => `${tx.nonce}`),
    ['2', '3', '7'],
  );
  t.deepEqual(await again.ingest.submit([txText(alice, 2)]), [results[1]], 'a retry after the restart is answered from what is held');
  // The spent one is kept as dropped at the replay: in a block or stale, which the node's block history tells.
  const spent = results[0] as { hash: string };
  t.deepEqual(again.dropped(spent.hash), { hash: spent.hash, from: alice.address, nonce: 1, spent: 1, atReplay: true });
  t.is(again.dropped((results[1] as { hash: string }).hash), undefined);
});

test('the journal rotates once it has grown: only what waits is copied, old generations go, and a reopen holds the same', async (t) => {
  const dir = await tempDir(t);
  const ledger = fakeLedger();
  const mempool = await openTestMempool(t, { dir, ...ledger, journalBytesMax: 8 * 1024 });
  // A sender per tx; two in three are taken by a block at once. What is journaled but spent is
  // dropped at replay by the ledger's nonces, so only the rotation bounds the journal's size.
  for (let n = 1; n <= 60; n++) {
    const [result] = await mempool.ingest.submit([txText(keyOf(n), 1)]);
    t.true(result !== undefined && 'offset' in result);
    if (n % 3 === 0) continue;
    ledger.nonces.set(keyOf(n).address, 1); // a block spends it, then the mempool hears of it
    mempool.committed([{ hash: (result as { hash: string }).hash, from: keyOf(n).address, nonce: 1 }]);
  }
  await mempool.close();
  const generations = await readdir(`${dir}`);
  t.is(generations.length, 1, `one generation left: ${generations.join(', ')}`);
  t.true(Number(generations[0]) > 1, 'it rotated');
  const held = [...(await openTestMempool(t, { dir, ...ledger })).pending()].map((tx) => tx.hash).sort();
  t.deepEqual(held, [...mempool.pending()].map((tx) => tx.hash).sort(), 'the same txs (a rotation may journal them in another order)');
  t.is(held.length, 20);
});

test('the same tx through both ingests at once is journaled and answered for each, and held once', async (t) => {
  const dir = await tempDir(t);
  const mempool = await openTestMempool(t, { dir, ...fakeLedger() });
  const [local, peer] = await Promise.all([mempool.ingest.submit([txText(alice, 1)]), mempool.peerIngest.submit([txText(alice, 1)])]);
  t.deepEqual(codesOf([...local, ...peer]), ['ok', 'ok']);
  t.is(mempool.stats.txs, 1);
  t.deepEqual(mempool.take({ maxTxs: 10, maxBytes: 1 << 20 }).length, 1);
});

test('the p2p section of a config carries the mempool bounds, defaults filled in', (t) => {
  t.deepEqual(P2pConfig.parse({ port: 1 }).mempool, defaultMempoolConfig);
  t.is(P2pConfig.parse({ port: 1, mempool: { maxTxsPerSender: 8 } }).mempool.maxTxs, 10_000);
  t.false(P2pConfig.safeParse({ port: 1, mempool: { maxTxs: 0 } }).success);
  t.false(P2pConfig.safeParse({ port: 1, mempool: { unknown: 1 } }).success);
});
