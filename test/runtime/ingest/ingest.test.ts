import test from 'ava';
import { createMemoryLog, sha256Hex, type EventLog } from '../../../log/index.ts';
import { createIngest, type CheckedTx, type VerifyPool } from '../../../runtime/ingest/index.ts';
import { AinError, isAinError } from '../../../schemas/index.ts';

// Unit tests of ingest's own logic with a fake pool: "bad" texts are refused, others pass with
// the hash of their text. The real pool and log are in test/runtime/node/ingest.e2e.test.ts.
const fakePool: VerifyPool = {
  threads: 1,
  async verify(texts) {
    return texts.map((text): CheckedTx =>
      text.startsWith('bad') ? { code: 'BAD_SIGNATURE', message: 'no' } : { hash: sha256Hex(text), record: Buffer.from(text), isCut: false },
    );
  },
  async checkRecords() {
    throw new Error('not used');
  },
  async close() {},
};

/** A memory log whose appends fail while `failing` is set. */
function flakyLog(): EventLog & { failing: boolean } {
  const log = createMemoryLog();
  const flaky = Object.create(log) as EventLog & { failing: boolean };
  flaky.failing = false;
  flaky.append = (batch) => (flaky.failing ? Promise.reject(new AinError('LOG_IO', 'disk gone')) : log.append(batch));
  return flaky;
}

test('submissions in one turn share one append, each keeping its own order and results', async (t) => {
  const log = createMemoryLog();
  const appends: number[] = [];
  const ingest = createIngest({ log, pool: fakePool, readBack: { noteOwn: (offsets) => void appends.push(offsets.length), appending: () => {} } });
  const [a, b] = await Promise.all([ingest.submit(['a1', 'bad', 'a2']), ingest.submit(['b1'])]);
  t.deepEqual(appends, [3], 'one append for both submissions');
  t.deepEqual(
    a.map((r) => ('offset' in r ? r.offset : r.code)),
    [0, 'BAD_SIGNATURE', 1],
  );
  t.deepEqual(
    b.map((r) => ('offset' in r ? r.offset : r.code)),
    [2],
  );
});

test('a retry, in the same batch or later, gets the first offset and is not appended again', async (t) => {
  const log = createMemoryLog();
  const ingest = createIngest({ log, pool: fakePool });
  const first = await ingest.submit(['x', 'x']);
  const later = await ingest.submit(['x']);
  t.deepEqual(first, [
    { hash: sha256Hex('x'), offset: 0 },
    { hash: sha256Hex('x'), offset: 0 },
  ]);
  t.deepEqual(later, [first[0]!]);
  t.is(log.lastOffset(), 0);
});

test('when the log fails, the submission is rejected with its code and a later retry is appended anew', async (t) => {
  const log = flakyLog();
  const ingest = createIngest({ log, pool: fakePool });
  log.failing = true;
  t.true(isAinError(await t.throwsAsync(ingest.submit(['y', 'y'])), 'LOG_IO'));
  log.failing = false;
  t.deepEqual(await ingest.submit(['y']), [{ hash: sha256Hex('y'), offset: 0 }]);
});

test('past the waiting limit submissions are refused with OVERLOADED, and nothing is lost', async (t) => {
  const ingest = createIngest({ log: createMemoryLog(), pool: fakePool, waitingTxsMax: 3 });
  const accepted = ingest.submit(['p', 'q', 'r']);
  t.true(isAinError(await t.throwsAsync(ingest.submit(['s'])), 'OVERLOADED'));
  t.is((await accepted).length, 3);
});

test('a retry waiting on an append that then fails is refused on its own; the rest of its round stands', async (t) => {
  const log = createMemoryLog();
  let failNext = false;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slowFlaky = Object.create(log) as EventLog;
  slowFlaky.append = async (batch) => {
    if (failNext) {
      failNext = false;
      await gate;
      throw new AinError('LOG_IO', 'disk gone');
    }
    return log.append(batch);
  };
  const ingest = createIngest({ log: slowFlaky, pool: fakePool });
  failNext = true;
  const first = ingest.submit(['z']); // its append hangs, then fails
  await new Promise((resolve) => setTimeout(resolve, 10));
  const second = ingest.submit(['z', 'w']); // retries z, appends w
  await new Promise((resolve) => setTimeout(resolve, 10));
  release();
  t.true(isAinError(await t.throwsAsync(first), 'LOG_IO'));
  const [z, w] = await second;
  t.is((z as { code: string }).code, 'LOG_IO');
  t.is((w as { offset: number }).offset, 0);
});

test('admission decides before the append: refused txs and txs it already holds are not appended; a failed append releases the room it held', async (t) => {
  const log = flakyLog();
  const admitted: string[] = [];
  const released: string[] = [];
  const admission = {
    admit: ({ hash, record }: { hash: string; record: Uint8Array }) => {
      const text = Buffer.from(record).toString();
      if (text === 'full') return { code: 'MEMPOOL_FULL', message: 'no room' };
      if (text === 'held') return { offset: 7 };
      admitted.push(hash);
      return 'append' as const;
    },
    release: (hashes: readonly string[]) => void released.push(...hashes),
  };
  const ingest = createIngest({ log, pool: fakePool, admission });
  const results = await ingest.submit(['a', 'full', 'held', 'b']);
  t.deepEqual(
    results.map((r) => ('offset' in r ? r.offset : r.code)),
    [0, 'MEMPOOL_FULL', 7, 1],
  );
  t.is(log.lastOffset(), 1, 'only the admitted two were appended');
  log.failing = true;
  await t.throwsAsync(ingest.submit(['c']));
  t.deepEqual(released, [sha256Hex('c')]);
  t.deepEqual(admitted, [sha256Hex('a'), sha256Hex('b'), sha256Hex('c')]);
});

test('rounds verified out of order are admitted and appended in the order they arrived', async (t) => {
  // The first round's chunk is verified last (a slow worker thread): its txs still go first, so a
  // sender's earlier tx is never offered to a block after its later one.
  const releases: (() => void)[] = [];
  const slowFirst: VerifyPool = {
    ...fakePool,
    async verify(texts) {
      if (texts[0] === 'first') await new Promise<void>((resolve) => releases.push(resolve));
      return fakePool.verify(texts);
    },
  };
  const log = createMemoryLog();
  const admitted: string[] = [];
  const admission = {
    admit: ({ record }: { record: Uint8Array }) => (admitted.push(Buffer.from(record).toString()), 'append' as const),
    release: () => {},
  };
  const ingest = createIngest({ log, pool: slowFirst, admission });
  const first = ingest.submit(['first']);
  await new Promise((resolve) => setImmediate(resolve)); // its round is taken alone
  const second = ingest.submit(['second']);
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(admitted, [], 'the second round waits for the first, though its chunk is verified');
  releases.forEach((release) => release());
  const [a, b] = await Promise.all([first, second]);
  t.deepEqual(admitted, ['first', 'second']);
  t.deepEqual([a, b], [[{ hash: sha256Hex('first'), offset: 0 }], [{ hash: sha256Hex('second'), offset: 1 }]]);
});

test('a round whose chunk fails to verify lets the next one go on, still after the one before it', async (t) => {
  const failing: VerifyPool = {
    ...fakePool,
    async verify(texts) {
      if (texts[0] === 'boom') throw new Error('worker died');
      return fakePool.verify(texts);
    },
  };
  const ingest = createIngest({ log: createMemoryLog(), pool: failing });
  const broken = ingest.submit(['boom']);
  await new Promise((resolve) => setImmediate(resolve));
  const next = ingest.submit(['after']);
  await t.throwsAsync(broken, { message: 'worker died' });
  t.deepEqual(await next, [{ hash: sha256Hex('after'), offset: 0 }]);
});
