import test from 'ava';
import { createChain, parseGenesis } from '../../../actors/index.ts';
import {
  checkRecords,
  createMemoryLog,
  encodeTxRecord,
  signTx,
  txHashOf,
  type CheckedRecord,
  type EventLog,
  type LogRecord,
  type RecordScope,
} from '../../../log/index.ts';
import type { VerifyPool } from '../../../runtime/ingest/index.ts';
import { createBlockStore } from '../../../runtime/node/blockStore.ts';
import { createFollower } from '../../../runtime/node/follower.ts';
import { key } from '../../actors/ledger/chain.ts';

// A shared log (Kafka) can hand the follower a record before the producer hears its append was
// acknowledged. The follower must then wait for the offsets of its own appends in flight, not
// verify those records a second time; records it did not append are still checked.
const owner = key(51);
const stranger = key(52);

/** A pool that checks on this thread and counts the records it was asked to check. */
function countingPool(): VerifyPool & { checked: number } {
  const pool = {
    threads: 1,
    checked: 0,
    verify: () => Promise.reject(new Error('not used')),
    checkRecords(records: readonly LogRecord[], scope: RecordScope): Promise<CheckedRecord[]> {
      pool.checked += records.length;
      return Promise.resolve(checkRecords(records, scope));
    },
    close: () => Promise.resolve(),
  };
  return pool;
}

/** A log whose appends are readable at once but acknowledged only when `ack()` is called. */
function lateAckLog(): { log: EventLog; ack: () => void } {
  const inner = createMemoryLog();
  const waiting: (() => void)[] = [];
  return {
    log: {
      ...inner,
      async append(batch) {
        const offsets = await inner.append(batch);
        await new Promise<void>((resolve) => waiting.push(resolve));
        return offsets;
      },
    },
    ack: () => waiting.splice(0).forEach((resolve) => resolve()),
  };
}

async function run(announce: boolean) {
  const genesis = parseGenesis({
    chain: 'ain-test',
    owner: owner.address,
    accounts: { [owner.address]: { balance: '100', stake: '10' } },
    proposers: [owner.address],
    block: {},
    rules: { '/apps': true },
  });
  const { log, ack } = lateAckLog();
  const pool = countingPool();
  const follower = createFollower({ log, chain: createChain({ genesis }), blocks: createBlockStore(), pool });
  follower.start();
  const own = [1, 2, 3].map((n) =>
    signTx({ key: owner, op: { type: 'set_value', path: `/apps/own/${n}`, value: n }, nonce: n, time: 1000 + n, chain: 'ain-test' }),
  );
  const records = own.map((tx) => encodeTxRecord(tx));
  const appended = log.append(records).then((offsets) => {
    void follower
      .noteOwn(
        offsets,
        own.map((tx, i) => ({ hash: txHashOf(tx), isCut: false, value: records[i]! })),
      )
      .catch(() => undefined);
    return offsets;
  });
  if (announce) follower.appending(appended);
  const foreign = signTx({ key: stranger, op: { type: 'set_value', path: '/apps/foreign', value: 1 }, nonce: 1, time: 2000, chain: 'ain-test' });
  // The follower reads the records while their append is still unacknowledged. Untold of it, it
  // checks and applies them before the ack; told, it waits (and the ack comes after a while).
  if (announce) await new Promise((resolve) => setTimeout(resolve, 50));
  else for (let i = 0; i < 500 && follower.seenOffset < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  ack();
  await appended;
  const foreignAppend = log.append([encodeTxRecord(foreign)]); // by another node: no hint, ever
  await new Promise((resolve) => setTimeout(resolve, 10));
  ack();
  await foreignAppend;
  for (let i = 0; i < 100 && follower.seenOffset < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await follower.stop();
  return { checked: pool.checked, seen: follower.seenOffset };
}

test('records of an append in flight wait for its offsets instead of a second verify; foreign records are checked', async (t) => {
  const { checked, seen } = await run(true);
  t.is(seen, 3);
  t.is(checked, 1, 'only the record this process did not append is checked');
});

test('without being told of the append in flight, the follower checks records whose hints came late', async (t) => {
  const { checked, seen } = await run(false);
  t.is(seen, 3);
  t.is(checked, 4);
});

// An acknowledgement is proven, not assumed: the follower reads each acknowledged offset back.
async function followerOn(log: EventLog) {
  const genesis = parseGenesis({
    chain: 'ain-test',
    owner: owner.address,
    accounts: { [owner.address]: { balance: '100', stake: '10' } },
    proposers: [owner.address],
    block: {},
    rules: { '/apps': true },
  });
  const follower = createFollower({ log, chain: createChain({ genesis }), blocks: createBlockStore(), pool: countingPool() });
  follower.start();
  const tx = (n: number, from = owner) =>
    signTx({ key: from, op: { type: 'set_value', path: `/apps/x/${n}`, value: n }, nonce: n, time: 1000 + n, chain: 'ain-test' });
  return { follower, tx };
}

test('given the log holds another tx at an acknowledged offset, when the follower reads it back, then the ack fails with LOG_DIVERGED and following stops', async (t) => {
  const log = createMemoryLog();
  const { follower, tx } = await followerOn(log);
  const written = tx(1);
  const claimed = tx(2);
  const [offset] = await log.append([encodeTxRecord(written)]);
  // The log answered offset 0 for `claimed`, which it never wrote there.
  const ack = follower.noteOwn([offset!], [{ hash: txHashOf(claimed), isCut: false, value: encodeTxRecord(claimed) }]);
  const error = await t.throwsAsync(ack);
  t.is((error as { code?: string }).code, 'LOG_DIVERGED');
  t.regex(error!.message, new RegExp(`${txHashOf(claimed)} at offset 0, but offset 0 holds ${txHashOf(written)}`));
  await t.throwsAsync(follower.done, { message: /LOG_DIVERGED|acknowledged/ });
  await follower.stop();
});

test('given the follower already read an offset, when the log acknowledges another append at it (a duplicate answer), then the ack fails with LOG_DIVERGED', async (t) => {
  const log = createMemoryLog();
  const { follower, tx } = await followerOn(log);
  const first = tx(1);
  const [offset] = await log.append([encodeTxRecord(first)]);
  const ackFirst = follower.noteOwn([offset!], [{ hash: txHashOf(first), isCut: false, value: encodeTxRecord(first) }]);
  await ackFirst;
  const second = tx(2);
  const error = await t.throwsAsync(follower.noteOwn([offset!], [{ hash: txHashOf(second), isCut: false, value: encodeTxRecord(second) }]));
  t.is((error as { code?: string }).code, 'LOG_DIVERGED');
  await t.throwsAsync(follower.done);
  await follower.stop();
});

test('an ack still unread when the node stops is refused (LOG_CLOSED), not left hanging', async (t) => {
  const log = createMemoryLog();
  const { follower, tx } = await followerOn(log);
  const one = tx(1);
  const ack = follower.noteOwn([5], [{ hash: txHashOf(one), isCut: false, value: encodeTxRecord(one) }]);
  await follower.stop();
  const error = await t.throwsAsync(ack);
  t.is((error as { code?: string }).code, 'LOG_CLOSED');
});

test('each block comes on included$ with its txs and their senders before blocks$ has it', async (t) => {
  const log = createMemoryLog();
  const { follower, tx } = await followerOn(log);
  const seen: string[] = [];
  const included = new Promise<{ hashes: readonly string[]; senders: ReadonlySet<string> }>((resolve) =>
    follower.included$.subscribe((block) => {
      seen.push('included');
      resolve(block);
    }),
  );
  follower.blocks$.subscribe(() => seen.push('block'));
  const txs = [tx(1), tx(1, stranger), signTx({ key: owner, op: { type: 'cut', height: 1 }, nonce: 2, time: 3000, chain: 'ain-test' })];
  await log.append(txs.map((signed) => encodeTxRecord(signed)));
  const { hashes, senders } = await included;
  t.deepEqual(hashes, txs.map(txHashOf));
  t.deepEqual([...senders].sort(), [owner.address, stranger.address].sort());
  await follower.stop();
  t.deepEqual(seen, ['included', 'block']);
});
