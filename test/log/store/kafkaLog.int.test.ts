import { randomUUID } from 'node:crypto';

import test from 'ava';

import { openKafkaLog, type EventLog, type LogRecord } from '../../../log/store/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { startKafka } from '../../services/kafka.ts';
import { until } from '../../runtime/node/nodeProcess.ts';
import { logConformance } from './conformance.ts';

const kafka = await startKafka();

if (kafka === undefined) {
  test.skip('kafkaLog: needs a Kafka broker (test/services/kafka.sh)', () => undefined);
} else {
  const { brokers } = kafka;
  test.after.always(() => kafka.stop());
  const freshTopic = (): string => `ain.test.${randomUUID()}`;

  logConformance('kafkaLog', async () => {
    const topic = freshTopic();
    return {
      log: await openKafkaLog({ brokers, topic }),
      reopen: () => openKafkaLog({ brokers, topic }),
      cleanup: async () => undefined,
    };
  });

  test('kafkaLog: two clients on one topic see the same records in the same order', async (t) => {
    const topic = freshTopic();
    const [first, second] = await Promise.all([openKafkaLog({ brokers, topic, clientId: 'one' }), openKafkaLog({ brokers, topic, clientId: 'two' })]);
    try {
      const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
      await Promise.all([
        (async () => {
          for (let batch = 0; batch < 20; batch++) await first.append([encode(`one.${batch}.a`), encode(`one.${batch}.b`)]);
        })(),
        (async () => {
          for (let batch = 0; batch < 20; batch++) await second.append([encode(`two.${batch}`)]);
        })(),
      ]);
      const total = 60;
      const [seenByFirst, seenBySecond] = await Promise.all([collect(first, total), collect(second, total)]);
      const texts = (records: LogRecord[]): string[] => records.map((record) => new TextDecoder().decode(record.value));
      t.deepEqual(texts(seenByFirst), texts(seenBySecond));
      t.deepEqual(
        seenByFirst.map((record) => record.offset),
        Array.from({ length: total }, (_, index) => index),
      );
      t.is(first.lastOffset(), total - 1);
      t.is(second.lastOffset(), total - 1);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  test('kafkaLog: an append past the broker’s message size limit goes in several requests, offsets in order', async (t) => {
    const log = await openKafkaLog({ brokers, topic: freshTopic() });
    try {
      const batch = Array.from({ length: 3000 }, (_, i) => new TextEncoder().encode(`${i}:`.padEnd(600, 'x')));
      const offsets = await log.append(batch);
      t.deepEqual(
        offsets,
        Array.from({ length: 3000 }, (_, i) => i),
      );
      const back = await log.read(0);
      t.is(back.length, 3000);
      t.is(new TextDecoder().decode(back[2999]!.value).split(':')[0], '2999');
    } finally {
      await log.close();
    }
  });

  test('kafkaLog: an append while the broker is gone rejects with LOG_NOT_ACKNOWLEDGED, not hangs; outage() says since when it is gone', async (t) => {
    const own = await startKafka();
    if (own === undefined) return t.fail('a second broker did not start');
    const topic = freshTopic();
    const log = await openKafkaLog({ brokers: own.brokers, topic, connectionTimeoutMs: 200, appendRetryMs: 400 });
    try {
      t.deepEqual(await log.append([new Uint8Array([1])]), [0]);
      t.is(log.outage?.(), undefined);
      await own.stop();
      const error = await t.throwsAsync(log.append([new Uint8Array([2])]));
      t.true(isAinError(error, 'LOG_NOT_ACKNOWLEDGED'), String(error));
      t.is(log.lastOffset(), 0);
      await until(async () => log.outage?.() !== undefined, 'the poll of the stopped broker to fail', 30_000);
      t.true(log.outage!()!.message.startsWith(`Kafka topic ${topic} at ${own.brokers.join(',')} does not answer: `), log.outage!()!.message);
    } finally {
      await log.close();
      await own.stop();
    }
  });

  test('kafkaLog: an unreachable broker is a LOG_UNAVAILABLE error', async (t) => {
    const error = await t.throwsAsync(openKafkaLog({ brokers: ['127.0.0.1:1'], topic: freshTopic(), connectionTimeoutMs: 200 }));
    t.true(isAinError(error, 'LOG_UNAVAILABLE'), String(error));
  });

  test('kafkaLog: a topic that must exist and does not is LOG_TOPIC_MISSING, naming the ain topics there, and is not created', async (t) => {
    const existing = freshTopic();
    await (await openKafkaLog({ brokers, topic: existing })).close();
    const missing = freshTopic();
    const error = await t.throwsAsync(openKafkaLog({ brokers, topic: missing, createTopic: false }));
    t.true(isAinError(error, 'LOG_TOPIC_MISSING'), String(error));
    t.regex(error?.message ?? '', new RegExp(`^Kafka topic ${missing} does not exist at ${brokers.join(',')} \\(the ain topics there: .*ain\\.test\\.`));
    t.true(isAinError(await openKafkaLog({ brokers, topic: missing, createTopic: false }).catch((e: unknown) => e), 'LOG_TOPIC_MISSING'), 'still missing');
    const log = await openKafkaLog({ brokers, topic: existing, createTopic: false });
    t.is(log.lastOffset(), -1);
    await log.close();
  });
}

/** Follows `log` from 0 until `count` records arrived (bounded by the test timeout). */
async function collect(log: EventLog, count: number): Promise<LogRecord[]> {
  const controller = new AbortController();
  const records: LogRecord[] = [];
  for await (const batch of log.follow(0, { signal: controller.signal })) {
    records.push(...batch);
    if (records.length >= count) controller.abort();
  }
  return records;
}
