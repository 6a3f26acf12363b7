import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { firstValueFrom, take, toArray } from 'rxjs';

import { observeLog, type EventLog, type LogRecord } from '../../../log/store/index.ts';

/** What a conformance test needs: a fresh empty log, optionally a way to reopen it, and cleanup. */
export interface LogUnderTest {
  readonly log: EventLog;
  /** Closes nothing; opens the same log again after the test closed `log`. */
  readonly reopen?: () => Promise<EventLog>;
  readonly cleanup: () => Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);
const text = (record: LogRecord): string => decoder.decode(record.value);
const texts = (records: readonly LogRecord[]): string[] => records.map(text);
const offsets = (records: readonly LogRecord[]): number[] => records.map((record) => record.offset);
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, index) => from + index);

/**
 * The contract every `EventLog` passes (eventLog.ts): registers ava tests named `${name}: …`.
 * It relies on the interface only, so the file log, the memory log and a Kafka log share it.
 * Each test gets a fresh, empty log from `make` and closes it before `cleanup`.
 */
export function logConformance(name: string, make: () => Promise<LogUnderTest>): void {
  const withLog = (title: string, body: (t: ExecutionContext, subject: LogUnderTest) => Promise<void>): void => {
    test(`${name}: ${title}`, async (t) => {
      const subject = await make();
      try {
        await body(t, subject);
      } finally {
        await subject.log.close();
        await subject.cleanup();
      }
    });
  };

  withLog('an empty log has lastOffset -1 and reads nothing', async (t, { log }) => {
    t.is(log.lastOffset(), -1);
    t.deepEqual(await log.read(0), []);
  });

  withLog('appends get dense offsets from 0, in order', async (t, { log }) => {
    for (let index = 0; index < 5; index++) {
      t.deepEqual(await log.append([bytes(`r${index}`)]), [index]);
      t.is(log.lastOffset(), index);
    }
    const records = await log.read(0);
    t.deepEqual(offsets(records), [0, 1, 2, 3, 4]);
    t.deepEqual(texts(records), ['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  withLog('a batch gets contiguous offsets and keeps its order', async (t, { log }) => {
    t.deepEqual(await log.append([bytes('a'), bytes('b'), bytes('c')]), [0, 1, 2]);
    t.deepEqual(await log.append([bytes('d')]), [3]);
    t.deepEqual(await log.append([bytes('e'), bytes('f')]), [4, 5]);
    t.deepEqual(texts(await log.read(0)), ['a', 'b', 'c', 'd', 'e', 'f']);
  });

  withLog('an empty batch appends nothing', async (t, { log }) => {
    t.deepEqual(await log.append([]), []);
    t.is(log.lastOffset(), -1);
    await log.append([bytes('x')]);
    t.deepEqual(await log.append([]), []);
    t.is(log.lastOffset(), 0);
    t.deepEqual(texts(await log.read(0)), ['x']);
  });

  withLog('empty and binary records round-trip', async (t, { log }) => {
    const binary = Uint8Array.from({ length: 256 }, (_, index) => index);
    await log.append([new Uint8Array(0), binary]);
    const [empty, all] = await log.read(0);
    t.is(empty?.value.byteLength, 0);
    t.deepEqual(Array.from(all?.value ?? []), Array.from(binary));
  });

  withLog('read(from) returns the records from that offset on; past the end, nothing', async (t, { log }) => {
    await log.append(range(0, 10).map((index) => bytes(`r${index}`)));
    t.deepEqual(offsets(await log.read(7)), [7, 8, 9]);
    t.deepEqual(texts(await log.read(9)), ['r9']);
    t.deepEqual(await log.read(10), []);
    t.deepEqual(await log.read(1000), []);
  });

  withLog('read with maxRecords stops after that many', async (t, { log }) => {
    await log.append(range(0, 10).map((index) => bytes(`r${index}`)));
    t.deepEqual(offsets(await log.read(2, { maxRecords: 3 })), [2, 3, 4]);
    t.deepEqual(offsets(await log.read(8, { maxRecords: 5 })), [8, 9]);
    t.deepEqual(await log.read(0, { maxRecords: 0 }), []);
  });

  withLog('follow yields existing records, then new ones, and ends on abort', async (t, { log }) => {
    await log.append([bytes('a'), bytes('b'), bytes('c')]);
    const controller = new AbortController();
    const seen: LogRecord[] = [];
    let appended = false;
    for await (const batch of log.follow(1, { signal: controller.signal })) {
      seen.push(...batch);
      if (seen.length >= 2 && !appended) {
        appended = true;
        void log.append([bytes('d')]).then(() => log.append([bytes('e'), bytes('f')]));
      }
      if (seen.length >= 5) controller.abort();
    }
    t.deepEqual(offsets(seen), [1, 2, 3, 4, 5]);
    t.deepEqual(texts(seen), ['b', 'c', 'd', 'e', 'f']);
  });

  withLog('follow yields non-empty batches in order, each at most maxBatchRecords, without waiting to fill one', async (t, { log }) => {
    await log.append(range(0, 10).map((index) => bytes(`r${index}`)));
    const controller = new AbortController();
    const batches: LogRecord[][] = [];
    let appended = false;
    for await (const batch of log.follow(0, { signal: controller.signal, maxBatchRecords: 4 })) {
      batches.push(batch);
      const seen = batches.flat().length;
      // One record appended alone must come as soon as it is durable, not wait for three more.
      if (seen === 10 && !appended) {
        appended = true;
        void log.append([bytes('r10')]);
      }
      if (seen === 11) controller.abort();
    }
    t.true(
      batches.every((batch) => batch.length >= 1 && batch.length <= 4),
      JSON.stringify(batches.map((batch) => batch.length)),
    );
    t.deepEqual(offsets(batches.flat()), range(0, 11));
    t.deepEqual(offsets(batches[batches.length - 1] ?? []), [10]);
  });

  withLog('follow refuses a maxBatchRecords that is not a positive integer', async (t, { log }) => {
    for (const maxBatchRecords of [0, -1, 1.5, Number.NaN]) {
      await t.throwsAsync(log.follow(0, { maxBatchRecords })[Symbol.asyncIterator]().next(), { message: /maxBatchRecords must be a positive integer/ });
    }
  });

  withLog('follow waiting for records ends when aborted', async (t, { log }) => {
    const controller = new AbortController();
    const seen: LogRecord[] = [];
    const done = (async () => {
      for await (const batch of log.follow(0, { signal: controller.signal })) seen.push(...batch);
    })();
    await log.append([bytes('only')]);
    await waitUntil(() => seen.length === 1);
    controller.abort();
    await done;
    t.deepEqual(texts(seen), ['only']);
  });

  withLog('follow ends when the log is closed', async (t, { log }) => {
    const done = (async () => {
      let count = 0;
      for await (const batch of log.follow(0)) count += batch.length;
      return count;
    })();
    await log.append([bytes('a')]);
    await log.close();
    t.true((await done) <= 1);
  });

  withLog('observeLog completes when the log closes', async (t, { log }) => {
    await log.append([bytes('a')]);
    const all = firstValueFrom(observeLog(log, 0).pipe(toArray()));
    await log.append([bytes('b')]);
    await log.close();
    const records = await all;
    t.true(records.length <= 2);
    t.deepEqual(offsets(records), range(0, records.length));
  });

  withLog('observeLog emits records in order until unsubscribed', async (t, { log }) => {
    await log.append([bytes('a'), bytes('b')]);
    const firstFour = firstValueFrom(observeLog(log, 0).pipe(take(4), toArray()));
    await log.append([bytes('c'), bytes('d'), bytes('e')]);
    const records = await firstFour;
    t.deepEqual(offsets(records), [0, 1, 2, 3]);
    t.deepEqual(texts(records), ['a', 'b', 'c', 'd']);
  });

  withLog('lastOffset tracks acknowledged appends', async (t, { log }) => {
    t.is(log.lastOffset(), -1);
    t.deepEqual(await log.append([bytes('a')]), [0]);
    t.is(log.lastOffset(), 0);
    t.deepEqual(await log.append([bytes('b'), bytes('c')]), [1, 2]);
    t.is(log.lastOffset(), 2);
  });

  withLog('concurrent appenders: batches stay contiguous, offsets unique, order as acknowledged', async (t, { log }) => {
    const writers = 16;
    const batchesPerWriter = 20;
    const results = await Promise.all(
      range(0, writers).map(async (writer) => {
        const acked: { offsets: number[]; values: string[] }[] = [];
        for (let batch = 0; batch < batchesPerWriter; batch++) {
          const values = range(0, 1 + ((writer * 7 + batch * 3) % 9)).map((index) => `w${writer}b${batch}i${index}`);
          acked.push({ offsets: await log.append(values.map(bytes)), values });
        }
        return acked;
      }),
    );
    const all = results.flat();
    const stored = await log.read(0);
    const seenOffsets = new Set<number>();
    for (const { offsets: batchOffsets, values } of all) {
      const first = batchOffsets[0] ?? -1;
      t.deepEqual(batchOffsets, range(first, values.length), 'a batch is contiguous');
      for (const [index, offset] of batchOffsets.entries()) {
        t.false(seenOffsets.has(offset), 'offsets are unique');
        seenOffsets.add(offset);
        t.is(stored[offset] === undefined ? undefined : text(stored[offset]), values[index]);
      }
    }
    t.deepEqual(
      [...seenOffsets].sort((a, b) => a - b),
      range(0, stored.length),
      'offsets are dense',
    );
    for (const acked of results) {
      const firsts = acked.map((batch) => batch.offsets[0] ?? -1);
      t.deepEqual(
        firsts,
        [...firsts].sort((a, b) => a - b),
        'an append acknowledged before the next was made comes first',
      );
    }
  });

  withLog('many appends in flight at once all land, each batch contiguous', async (t, { log }) => {
    const batches = range(0, 200).map((batch) => range(0, 1 + (batch % 5)).map((index) => `b${batch}i${index}`));
    const acked = await Promise.all(batches.map((values) => log.append(values.map(bytes))));
    const stored = texts(await log.read(0));
    t.is(stored.length, batches.flat().length);
    for (const [batch, batchOffsets] of acked.entries()) {
      t.deepEqual(
        batchOffsets.map((offset) => stored[offset]),
        batches[batch],
      );
    }
  });

  withLog('property: reading back gives the concatenation of the appended batches', async (t, { log }) => {
    let appended: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.string({ maxLength: 40 }), { maxLength: 6 }), { maxLength: 8 }), async (batches) => {
        for (const batch of batches) {
          const result = await log.append(batch.map(bytes));
          t.deepEqual(result, range(appended.length, batch.length));
          appended = [...appended, ...batch];
        }
        const from = Math.floor(appended.length / 2);
        return JSON.stringify(texts(await log.read(from))) === JSON.stringify(appended.slice(from));
      }),
      { numRuns: 25 },
    );
    t.pass();
  });

  withLog('reopening keeps every record', async (t, { log, reopen }) => {
    if (reopen === undefined) {
      t.pass('this log has no reopen');
      return;
    }
    await log.append([bytes('a'), bytes('b')]);
    await log.append([bytes('c')]);
    await log.close();
    const reopened = await reopen();
    try {
      t.is(reopened.lastOffset(), 2);
      t.deepEqual(texts(await reopened.read(0)), ['a', 'b', 'c']);
      t.deepEqual(await reopened.append([bytes('d')]), [3]);
      t.deepEqual(texts(await reopened.read(2)), ['c', 'd']);
    } finally {
      await reopened.close();
    }
  });
}

/**
 * Polls a condition (bounded): for waiting on the log's own state. Bounded in time, not in event
 * loop turns: a log over the network (Kafka) needs a round trip, longer on a loaded machine.
 */
async function waitUntil(condition: () => boolean, maxMs = 10_000): Promise<void> {
  const deadline = performance.now() + maxMs;
  while (!condition() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
}
