import test from 'ava';
import fc from 'fast-check';
import { decodeTxRecord, encodeTxRecord, type TxRecord } from '../../../log/codec/index.ts';
import { keyPairFromSeed, merkleRoot, signTx } from '../../../log/crypto/index.ts';
import { BlockCutter, blockHashOf, genesisPosition, type Block, type BlockCutterOptions } from '../../../log/cutter/index.ts';
import { zeroHash, type Op } from '../../../schemas/index.ts';
import { recordSignedAgain } from '../../fixtures/ed25519Points.ts';

const proposer = keyPairFromSeed('11'.repeat(32));
const user = keyPairFromSeed('22'.repeat(32));
const options: BlockCutterOptions = { chain: 'ain-local', shard: '/', maxTxs: 5, maxBytes: 100_000, proposers: [proposer.address] };

let nonce = 0;
function record(offset: number, op: Op, time = 1000, key = user): TxRecord {
  return decodeTxRecord(offset, encodeTxRecord(signTx({ key, op, nonce: ++nonce, time })));
}
const value = (offset: number) => record(offset, { type: 'set_value', path: `/a/${offset}`, value: offset });
const cut = (offset: number, height: number, time: number, key = proposer) => record(offset, { type: 'cut', height }, time, key);

/** Feeds records; each block closed is sealed with zero roots (no ledger here). */
function feed(cutter: BlockCutter, records: TxRecord[]): Block[] {
  const blocks: Block[] = [];
  for (const record of records) if (cutter.push(record) !== null) blocks.push(cutter.seal({ stateRoot: zeroHash, outcomeRoot: zeroHash }));
  return blocks;
}

test('given pending txs, when the proposer cuts the next height, then a block closes at the marker with its time', (t) => {
  const blocks = feed(new BlockCutter(options), [value(0), value(1), cut(2, 1, 5000)]);
  t.is(blocks.length, 1);
  const [block] = blocks;
  t.like(block!.header, {
    height: 1,
    prevHash: zeroHash,
    time: 5000,
    proposer: proposer.address,
    firstOffset: 0,
    lastOffset: 2,
    stateRoot: zeroHash,
    outcomeRoot: zeroHash,
  });
  t.is(block!.header.txRoot, merkleRoot(block!.txs.map((r) => r.hash)));
});

test('the recordsRoot is over the records’ bytes: a record its signer signed again (the same tx hash) makes another block hash', (t) => {
  const signed = signTx({ key: proposer, op: { type: 'cut', height: 1 }, nonce: ++nonce, time: 5000 });
  const before = value(0);
  const [first, second] = [encodeTxRecord(signed).toString(), recordSignedAgain(signed, proposer)].map(
    (text) => feed(new BlockCutter(options), [before, decodeTxRecord(1, Buffer.from(text))])[0]!,
  );
  t.is(first!.header.recordsRoot, merkleRoot(first!.txs.map((r) => r.ref)));
  t.is(second!.header.txRoot, first!.header.txRoot);
  t.not(second!.header.recordsRoot, first!.header.recordsRoot);
  t.not(blockHashOf(second!.header), blockHashOf(first!.header));
});

test('pending holds the records past the last block, in log order, until a block takes them', (t) => {
  const cutter = new BlockCutter(options);
  const records = [value(0), value(1)];
  feed(cutter, records);
  t.deepEqual(cutter.pending, records);
  t.is(cutter.pendingCount, 2);
  feed(cutter, [cut(2, 1, 5000)]);
  t.deepEqual(cutter.pending, []);
  feed(cutter, [value(3)]);
  t.deepEqual(
    cutter.pending.map((r) => r.offset),
    [3],
  );
});

test('a block closes at maxTxs and at maxBytes, taking the latest cut time seen', (t) => {
  const byCount = feed(new BlockCutter(options), [0, 1, 2, 3, 4, 5].map(value));
  t.is(byCount.length, 1);
  t.is(byCount[0]!.txs.length, 5);
  const records = [cut(0, 9, 700), value(1), value(2)];
  const bySize = feed(new BlockCutter({ ...options, maxBytes: records[0]!.sizeBytes + records[1]!.sizeBytes }), records);
  t.is(bySize.length, 1);
  t.is(bySize[0]!.header.lastOffset, 1);
  t.is(bySize[0]!.header.time, 700, 'the future-height marker is ignored as a marker but its time still counts');
});

test('later cut markers for a closed height are ignored, and so are markers from non-proposers', (t) => {
  const cutter = new BlockCutter(options);
  const blocks = feed(cutter, [value(0), cut(1, 1, 2000), cut(2, 1, 2001), value(3), cut(4, 2, 3000, user), cut(5, 2, 3001)]);
  t.deepEqual(
    blocks.map((b) => [b.header.height, b.header.firstOffset, b.header.lastOffset]),
    [
      [1, 0, 1],
      [2, 2, 5],
    ],
  );
  t.is(blocks[1]!.header.prevHash, blockHashOf(blocks[0]!.header));
});

test('block time never goes back, even when a marker claims an earlier time', (t) => {
  const blocks = feed(new BlockCutter(options), [value(0), cut(1, 1, 9000), value(2), cut(3, 2, 4000)]);
  t.deepEqual(
    blocks.map((b) => b.header.time),
    [9000, 9000],
  );
});

test('a closed block waits for its roots: sealing fills them, and the next block goes on from the sealed header', (t) => {
  const cutter = new BlockCutter(options);
  cutter.push(value(0));
  const closed = cutter.push(cut(1, 1, 1));
  t.is(closed!.header.height, 1);
  t.false('stateRoot' in closed!.header);
  t.throws(() => cutter.push(value(2)), { message: /not sealed/ }, 'nothing is pushed between closing and sealing');
  t.is(cutter.position.height, 1, 'the cutter stands at the closed height until it is sealed');
  const roots = { stateRoot: 'ab'.repeat(32), outcomeRoot: 'cd'.repeat(32) };
  const sealed = cutter.seal(roots);
  t.like(sealed.header, { ...closed!.header, ...roots });
  t.deepEqual(cutter.position, { height: 2, prevHash: blockHashOf(sealed.header), prevTime: 1, clockMs: 1, lastOffset: 1 });
  t.throws(() => cutter.seal(roots), { message: /without a closed block/ });
  const [next] = feed(cutter, [value(2), cut(3, 2, 2)]);
  t.is(next!.header.prevHash, blockHashOf(sealed.header));
});

test('close takes a block of exactly the records given, even none, at a time never before the last block', (t) => {
  const cutter = new BlockCutter(options);
  const first = cutter.close([value(0), cut(1, 1, 50)], { time: 500, proposer: proposer.address });
  t.like(first.header, { height: 1, firstOffset: 0, lastOffset: 1, time: 500 }, 'a marker inside closes nothing by itself');
  cutter.seal({ stateRoot: zeroHash, outcomeRoot: zeroHash });
  const empty = cutter.close([], { time: 400, proposer: proposer.address });
  t.like(empty.header, { height: 2, firstOffset: 2, lastOffset: 2, time: 500, txRoot: merkleRoot([]) });
  cutter.seal({ stateRoot: zeroHash, outcomeRoot: zeroHash });
  t.is(cutter.position.lastOffset, 1, 'an empty block takes no offset');
  cutter.push(value(2));
  t.throws(() => cutter.close([], { time: 600, proposer: proposer.address }), { message: /pending/ });
});

test('undecodable records still take their place in a block', (t) => {
  const junk = decodeTxRecord(1, Buffer.from('not json'));
  t.is(junk.tx, null);
  const blocks = feed(new BlockCutter(options), [value(0), junk, cut(2, 1, 10)]);
  t.is(blocks[0]!.txs[1]!.tx, null);
});

test('records out of order are a broken invariant, not an outcome', (t) => {
  const cutter = new BlockCutter(options);
  cutter.push(value(3));
  t.throws(() => cutter.push(value(3)), { message: /log order/ });
});

// A log of arbitrary txs and markers, with dense offsets.
const logArb = fc
  .array(fc.oneof(fc.constant<'v'>('v'), fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 10_000 }))), { maxLength: 60 })
  .map((items) => items.map((item, offset) => (item === 'v' ? value(offset) : cut(offset, item[0], item[1]))));

test('property: two cutters fed the same log cut byte-identical blocks', (t) => {
  fc.assert(
    fc.property(logArb, (records) => {
      const a = feed(new BlockCutter(options), records);
      const b = feed(new BlockCutter(options), records);
      return JSON.stringify(a) === JSON.stringify(b);
    }),
    { numRuns: 50 },
  );
  t.pass();
});

test('property: resuming from a closed block position gives the same later blocks', (t) => {
  fc.assert(
    fc.property(logArb, (records) => {
      const whole = feed(new BlockCutter(options), records);
      if (whole.length === 0) return true;
      const first = new BlockCutter(options);
      const upTo = whole[0]!.header.lastOffset;
      feed(first, records.slice(0, upTo + 1));
      const resumed = feed(new BlockCutter(options, first.position), records.slice(upTo + 1));
      return JSON.stringify(resumed) === JSON.stringify(whole.slice(1));
    }),
    { numRuns: 50 },
  );
  t.is(genesisPosition.height, 1);
});

test('property: block times never decrease and heights are consecutive', (t) => {
  fc.assert(
    fc.property(logArb, (records) => {
      const blocks = feed(new BlockCutter(options), records);
      return blocks.every((b, i) => b.header.height === i + 1 && (i === 0 || b.header.time >= blocks[i - 1]!.header.time));
    }),
    { numRuns: 50 },
  );
  t.pass();
});
