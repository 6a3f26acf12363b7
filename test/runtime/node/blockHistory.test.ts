import test from 'ava';
import { mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { BlockResult } from '../../../actors/index.ts';
import { blockHashOf, createMemoryLog, decodeTxRecord, encodeTxRecord, signTx, type Block, type EventLog } from '../../../log/index.ts';
import { openBlockHistory } from '../../../runtime/node/blockHistory.ts';
import { openHistoryStores } from '../../../runtime/node/historyStores.ts';
import { createBlockStore, type BlockHistory, type BlockStore } from '../../../runtime/node/blockStore.ts';
import { key } from '../../actors/ledger/chain.ts';

// Given blocks of signed txs in a memory log, when the store is reopened, cut short or damaged,
// then it serves exactly what it served, or nothing: never a block or tx the log does not hold.

const signer = key(61);
const genesisHash = 'ab'.repeat(32);
const zero = '00'.repeat(32);

interface Fixture {
  readonly dir: string;
  readonly log: EventLog;
  /** Every block made so far, by height (index 0 unused). */
  readonly blocks: Block[];
  nonce: number;
}

async function fixture(t: { teardown(fn: () => unknown): void }): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'ain-history-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return { dir: join(dir, 'history'), log: createMemoryLog(), blocks: [], nonce: 0 };
}

/** Appends `txs` records to the log and returns them as the next block (chained to the last). */
async function nextBlock(f: Fixture, txs: number): Promise<Block> {
  const bytes = Array.from({ length: txs }, () =>
    encodeTxRecord(
      signTx({ key: signer, op: { type: 'set_value', path: `/apps/t/${f.nonce + 1}`, value: f.nonce }, nonce: ++f.nonce, time: 1000, chain: 'ain-test' }),
    ),
  );
  const offsets = await f.log.append(bytes);
  const records = bytes.map((b, i) => decodeTxRecord(offsets[i]!, b));
  const height = f.blocks.length === 0 ? 1 : f.blocks.length;
  const prev = f.blocks[height - 1];
  const header = {
    chain: 'ain-test',
    shard: '/',
    height,
    prevHash: prev === undefined ? genesisHash : blockHashOf(prev.header),
    txRoot: zero,
    recordsRoot: zero,
    stateRoot: zero,
    outcomeRoot: zero,
    time: 1000 + height,
    proposer: signer.address,
    firstOffset: offsets[0]!,
    lastOffset: offsets.at(-1)!,
  };
  const block: Block = { header, txs: records };
  if (f.blocks.length === 0) f.blocks.push(block); // index 0: a placeholder
  f.blocks[height] = block;
  return block;
}

const resultOf = (block: Block): BlockResult =>
  ({
    outcomes: block.txs.map((_, i) => (i % 2 === 0 ? { code: 'ok' } : { code: 'RULE_DENIED', message: `denied ${block.header.height}/${i}` })),
    finalized: { height: Math.max(0, block.header.height - 1), hash: block.header.prevHash },
    jobEvents: [],
    triggers: [],
  }) as unknown as BlockResult;

const silent = pino({ level: 'silent' });

async function openStore(
  f: Fixture,
  fromHeight: number,
  limits: { blocksMax?: number; txsMax?: number } = {},
): Promise<{ history: BlockHistory; store: BlockStore }> {
  const fromHash = fromHeight === 0 ? genesisHash : blockHashOf(f.blocks[fromHeight]!.header);
  const history = await openBlockHistory({ dir: f.dir, genesisHash, fromHeight, fromHash, log: f.log, logger: silent });
  return { history, store: createBlockStore({ ...limits, history }) };
}

async function addBlocks(f: Fixture, store: BlockStore, count: number, txs = 3): Promise<void> {
  for (let i = 0; i < count; i++) {
    const block = await nextBlock(f, txs);
    store.add(block, resultOf(block));
  }
}

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

test('a reopened history serves every block and tx as it was served before', async (t) => {
  const f = await fixture(t);
  const first = await openStore(f, 0);
  await addBlocks(f, first.store, 30);
  const before = { block: json(first.store.get(1)), tx: json(first.store.findTx(f.blocks[1]!.txs[1]!.hash)), range: json(first.store.blocks(1, 30).blocks) };
  await first.history.close();

  const again = await openStore(f, 30);
  t.deepEqual(json(again.store.get(1)), before.block);
  t.deepEqual(json(again.store.findTx(f.blocks[1]!.txs[1]!.hash)), before.tx);
  t.deepEqual(json(again.store.blocks(1, 30).blocks), before.range);
  t.is(again.store.latest()?.header.height, 30, 'the last block kept, before any is added');
  t.is(again.store.lowest, 1);
  await again.history.close();
});

test('a history that lacks heights up to the snapshot (at its end, or a hole) counts them; a rebuild writes them below the rest', async (t) => {
  const f = await fixture(t);
  const scratch = createBlockStore();
  const first = await openBlockHistory({ dir: f.dir, genesisHash, fromHeight: 0, fromHash: genesisHash, log: f.log, logger: silent });
  const views = [];
  for (let h = 1; h <= 12; h++) {
    const block = await nextBlock(f, 2);
    views[h] = scratch.add(block, resultOf(block));
  }
  for (const h of [1, 2, 3, 4, 5, 8, 9, 10]) first.put(views[h]!);
  await first.close();
  const reopened = await openBlockHistory({ dir: f.dir, genesisHash, fromHeight: 12, fromHash: views[12]!.hash, log: f.log, logger: silent });
  t.is(reopened.missingAtOpen, 4, 'heights 6, 7, 11 and 12');
  const heldUpTo12 = () => [...Array(12).keys()].flatMap((i) => (reopened.get(i + 1) === undefined ? [] : [i + 1]));
  t.deepEqual(heldUpTo12(), [1, 2, 3, 4, 5, 8, 9, 10]);
  for (const h of [6, 7]) reopened.put(views[h]!);
  await reopened.flushed();
  t.deepEqual(heldUpTo12(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  t.like(reopened.findTx(views[7]!.txs[1]!.hash), { height: 7, index: 1 });
  t.is(reopened.lowest, 1);
  await reopened.close();
});

test('blocks above the snapshot are removed on open and rewritten by the replay; their txs are not found meanwhile', async (t) => {
  const f = await fixture(t);
  const first = await openStore(f, 0);
  await addBlocks(f, first.store, 20);
  await first.history.close();

  const again = await openStore(f, 12);
  t.truthy(again.store.get(12));
  t.is(again.store.get(13), undefined);
  t.is(again.store.findTx(f.blocks[15]!.txs[0]!.hash), undefined);
  t.deepEqual(
    again.store.blocks(10, 20).blocks.map((b) => b.header.height),
    [10, 11, 12],
  );
  const replayed = f.blocks[13]!;
  again.store.add(replayed, resultOf(replayed));
  await again.store.flushed();
  t.is(again.history.get(13)?.hash, blockHashOf(replayed.header));
  await again.history.close();
});

test('a tx in two blocks is found where it first landed', async (t) => {
  const f = await fixture(t);
  const { history, store } = await openStore(f, 0, { blocksMax: 2 });
  await addBlocks(f, store, 3);
  await store.flushed();
  // The same record again, three blocks later (a DUPLICATE_TX copy).
  const copy = f.blocks[1]!.txs[0]!;
  const [original] = await f.log.read(copy.offset, { maxRecords: 1 });
  const [offset] = await f.log.append([original!.value]);
  const block: Block = {
    header: { ...f.blocks[3]!.header, height: 4, prevHash: blockHashOf(f.blocks[3]!.header), firstOffset: offset!, lastOffset: offset! },
    txs: [decodeTxRecord(offset!, original!.value)],
  };
  t.is(block.txs[0]!.hash, copy.hash);
  store.add(block, resultOf(block));
  t.like(store.findTx(copy.hash), { height: 1, index: 0 });
  await store.flushed();
  t.like(store.findTx(copy.hash), { height: 1, index: 0 });
  await history.close();
});

test('memory holds at most blocksMax blocks once their writes commit; older ones are read from disk', async (t) => {
  const f = await fixture(t);
  const { history, store } = await openStore(f, 0, { blocksMax: 5, txsMax: 1000 });
  await addBlocks(f, store, 40);
  // Nothing committed yet: every block stays in memory, so every one is readable.
  t.true(store.cached.blocks > 5);
  for (let h = 1; h <= 40; h++) t.is(store.get(h)?.header.height, h);
  await store.flushed();
  await addBlocks(f, store, 1);
  t.deepEqual(store.cached, { blocks: 5, txs: 15 });
  for (let h = 1; h <= 41; h++) t.is(store.get(h)?.header.height, h);
  t.like(store.findTx(f.blocks[2]!.txs[2]!.hash), { height: 2, index: 2, outcome: { code: 'ok' } });
  await history.close();
});

test('range reads return held heights in order, memory and disk together, stop early past rangeTxsMax and at the highest block held, and refuse a span past the limit', async (t) => {
  const f = await fixture(t);
  const { history, store } = await openStore(f, 0, { blocksMax: 3 });
  await addBlocks(f, store, 10);
  await store.flushed();
  await addBlocks(f, store, 2);
  t.deepEqual(
    store.blocks(1, 12).blocks.map((b) => b.header.height),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  );
  t.deepEqual(store.blocks(11, 20), { blocks: [store.get(11)!, store.get(12)!], to: 12 }, 'covers up to the highest block held, not past it');
  t.deepEqual(store.blocks(50, 60), { blocks: [], to: 49 }, 'a range ahead of the chain covers nothing: read again from 50');
  // Past 2^53 `height++` stops counting: a read that walked the heights asked for would never end up there (a peer's blocks-by-range, GET /v1/blocks).
  t.deepEqual(store.blocks(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2), { blocks: [], to: Number.MAX_SAFE_INTEGER - 1 });
  // Three txs a block: three blocks make 9, a fourth would pass 10.
  await store.flushed();
  const small = createBlockStore({ rangeTxsMax: 10, history });
  const first = small.blocks(2, 12);
  t.deepEqual([first.blocks.map((b) => b.header.height), first.to], [[2, 3, 4], 4]);
  const next = small.blocks(first.to + 1, 12);
  t.deepEqual([next.blocks.map((b) => b.header.height), next.to], [[5, 6, 7], 7]);
  t.deepEqual(createBlockStore({ rangeTxsMax: 1, history }).blocks(1, 12).blocks.length, 1, 'one block even past the bound');
  t.throws(() => store.blocks(1, 1001), { instanceOf: RangeError });
  t.throws(() => store.blocks(5, 4), { instanceOf: RangeError });
  await history.close();
});

test('a history of another chain, or one whose last block the log does not hold, is dropped whole', async (t) => {
  const f = await fixture(t);
  const first = await openStore(f, 0);
  await addBlocks(f, first.store, 5);
  await first.history.close();
  const other = await openBlockHistory({
    dir: f.dir,
    genesisHash: 'cd'.repeat(32),
    fromHeight: 5,
    fromHash: blockHashOf(f.blocks[5]!.header),
    log: f.log,
    logger: silent,
  });
  t.is(other.get(1), undefined);
  t.is(other.highest, 0);
  await other.close();

  // The same chain's history, but a log that holds other records (another run of the dev chain).
  const g = await fixture(t);
  const kept = await openStore({ ...g, dir: f.dir }, 0);
  await addBlocks(g, kept.store, 5);
  await kept.history.close();
  const otherLog = createMemoryLog();
  await otherLog.append(
    Array.from({ length: 15 }, (_, i) =>
      encodeTxRecord(signTx({ key: key(62), op: { type: 'set_value', path: `/x/${i}`, value: i }, nonce: i + 1, time: 1, chain: 'ain-test' })),
    ),
  );
  const below = await openBlockHistory({ dir: f.dir, genesisHash, fromHeight: 9, fromHash: zero, log: otherLog, logger: silent });
  t.is(below.get(1), undefined, 'block 5 ends with a record the log does not hold there');
  await below.close();
});

test('a history of format 1 or 2 (earlier protocols: block headers without recordsRoot; votes that do not sign the genesis) of this chain beside its log is refused with DATA_DIR_OLD, kept as it is; of another chain it is dropped', async (t) => {
  const f = await fixture(t);
  const first = await openStore(f, 0);
  await addBlocks(f, first.store, 2);
  await first.history.close();
  for (const [version, change] of [
    [1, /no recordsRoot/],
    [2, /do not sign the chain’s genesis/],
  ] as const) {
    const stores = await openHistoryStores(f.dir);
    await stores.meta.put('format', { version, genesis: genesisHash });
    await stores.env.close();
    const error = await t.throwsAsync(openStore(f, 0));
    t.like(error, { code: 'DATA_DIR_OLD' });
    t.regex(error!.message, new RegExp(`earlier ain \\(history format ${version}\\).*cannot continue that chain`));
    t.regex(error!.message, change);
    t.true((await readdir(f.dir)).length > 0, 'nothing removed');
  }
  // Of another chain it is stale as any other: dropped.
  const other = await openBlockHistory({ dir: f.dir, genesisHash: 'cd'.repeat(32), fromHeight: 0, fromHash: 'cd'.repeat(32), log: f.log, logger: silent });
  t.is(other.highest, 0);
  await other.close();
});

test("a snapshot whose block hash is not the history's block at that height drops the history", async (t) => {
  const f = await fixture(t);
  const first = await openStore(f, 0);
  await addBlocks(f, first.store, 5);
  await first.history.close();
  const reopened = await openBlockHistory({ dir: f.dir, genesisHash, fromHeight: 5, fromHash: 'ee'.repeat(32), log: f.log, logger: silent });
  t.is(reopened.highest, 0);
  await reopened.close();
});

test('a history file cut short or overwritten is detected: the node starts with an empty history', async (t) => {
  const f = await fixture(t);
  const first = await openStore(f, 0);
  await addBlocks(f, first.store, 20, 20);
  await first.history.close();
  const data = join(
    f.dir,
    (await readdir(f.dir)).find((n) => n.startsWith('data'))!,
  );
  const { size } = await stat(data);
  const file = await open(data, 'r+');
  await file.truncate(Math.floor(size / 3));
  await file.close();
  const torn = await openStore(f, 20);
  t.is(torn.store.get(1), undefined);
  t.is(torn.store.findTx(f.blocks[1]!.txs[0]!.hash), undefined);
  await addBlocks(f, torn.store, 1);
  await torn.store.flushed();
  t.is(torn.history.get(21)?.header.height, 21);
  await torn.history.close();

  // Zeros where the meta pages were (a file system that lost the blocks after a power cut), or garbage.
  for (const fill of [0, 0x5a]) {
    await writeFile(data, Buffer.alloc(64 * 1024, fill));
    const damaged = await openStore(f, 21);
    t.is(damaged.store.get(21), undefined);
    await damaged.history.close();
  }
});

test('a damaged record reads as missing, never as another block or tx', async (t) => {
  const f = await fixture(t);
  const first = await openStore(f, 0);
  await addBlocks(f, first.store, 4);
  await first.history.close();
  // Flip bytes where they sit in the file: inside block 2's JSON, and in block 3's tx 1 (its
  // outcome's message is in the block and in the tx entry).
  const data = join(
    f.dir,
    (await readdir(f.dir)).find((n) => n.startsWith('data'))!,
  );
  const file = await open(data, 'r+');
  const bytes = await file.readFile();
  const flip = async (from: string, to: string) => {
    let found = 0;
    for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1), found++) await file.write(Buffer.from(to), 0, to.length, at);
    return found;
  };
  t.true((await flip('"height":2,"prevHash"', '"height":2,"prevHasH"')) >= 1);
  t.true((await flip('denied 3/1', 'denieD 3/1')) >= 2, 'the block and the tx entry (and stale copies in freed pages)');
  await file.close();
  const reopened = await openStore(f, 4);
  t.is(reopened.store.get(2), undefined);
  t.is(reopened.store.get(3), undefined);
  t.deepEqual(
    reopened.store.blocks(1, 4).blocks.map((b) => b.header.height),
    [1, 4],
  );
  t.is(reopened.store.findTx(f.blocks[3]!.txs[1]!.hash), undefined);
  t.like(reopened.store.findTx(f.blocks[3]!.txs[0]!.hash), { height: 3, index: 0 }, 'its own entry is intact');
  await reopened.history.close();
  // Damaged blocks above the snapshot: their tx entries cannot be found to be removed, so the
  // history is dropped whole rather than keep entries that would point into rewritten blocks.
  const below = await openStore(f, 1);
  t.is(below.store.get(1), undefined);
  t.is(below.store.findTx(f.blocks[3]!.txs[0]!.hash), undefined);
  await below.history.close();
});

test('blocks wait in memory for their writes; once the history fails they leave memory as without one', async (t) => {
  const f = await fixture(t);
  const stub = {
    committedHeight: 0,
    failed: false,
    highest: 0,
    lowest: 0,
    missingAtOpen: 0,
    put: () => {},
    get: () => undefined,
    findTx: () => undefined,
    range: () => [],
    flushed: async () => {},
    close: async () => {},
  };
  const store = createBlockStore({ blocksMax: 3, history: stub });
  await addBlocks(f, store, 6);
  t.is(store.cached.blocks, 6, 'nothing committed: nothing leaves');
  stub.committedHeight = 2;
  await addBlocks(f, store, 1);
  t.is(store.cached.blocks, 5, 'heights 1 and 2 left, 3 waits for its write');
  stub.failed = true;
  await addBlocks(f, store, 1);
  t.is(store.cached.blocks, 3);
});
