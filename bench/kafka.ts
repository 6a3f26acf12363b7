import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { openKafkaLog, type EventLog } from '../log/index.ts';
import { startKafka } from '../test/services/kafka.ts';
import { runLoadgen } from './ingestHttp.ts';
import { median, withTempDir, type Figure } from './measure.ts';
import { sustainedLoad } from './node.ts';
import { finalCovering, startBenchNode } from './nodeFixtures.ts';
import { waitForQuiet } from './quiet.ts';
import { rawAllCoresRate } from './verifyRaw.ts';

const recordBytes = 600; // about a signed tx record
const recordsPerAppend = 256;
const appenders = 4;
const runMs = 2000;
const pairs = 3;

/** Appends for `runMs` from `appenders` callers, each awaiting its append: records acknowledged per second. */
async function appendFor(append: (batch: Buffer[]) => Promise<unknown>): Promise<number> {
  const batch = Array.from({ length: recordsPerAppend }, () => randomBytes(recordBytes));
  let acked = 0;
  const startMs = performance.now();
  const deadlineMs = startMs + runMs;
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (performance.now() < deadlineMs) {
        await append(batch);
        acked += batch.length;
      }
    }),
  );
  return (acked * 1000) / (performance.now() - startMs);
}

/**
 * Kafka, on one broker: first a node on the Kafka log end to end (submit → Kafka → block →
 * applied → final) against raw verifies on every core, while the broker is fresh; then raw
 * kafkajs (idempotent producer, acks=-1, one request in flight, as ain's log) against ain's
 * `kafka` EventLog, in paired runs.
 */
export async function benchKafka(): Promise<Figure[]> {
  const kafka = await startKafka();
  if (kafka === undefined) throw new Error('the kafka bench needs a broker (test/services/kafka.sh)');
  try {
    await waitForQuiet();
    const rawBefore = await rawAllCoresRate();
    const node = await withTempDir('kafka-node', async (dataDir) => {
      const started = await startBenchNode(dataDir, { log: { kind: 'kafka', brokers: kafka.brokers, topic: `bench.node.${randomUUID()}` } } as never);
      try {
        let startedMs = 0;
        const { result } = await runLoadgen({ ...sustainedLoad, url: started.url }, () => (startedMs = performance.now()));
        if (result.failedRequests > 0 || result.refusedTxs > 0)
          throw new Error(`kafka.node.sustained: ${result.failedRequests} failed requests; ${result.problems.join(' | ')}`);
        const { lastOffset } = (await (await fetch(`${started.url}/v1/status`)).json()) as { lastOffset: number };
        await finalCovering(started, lastOffset);
        return { rate: (result.acceptedTxs * 1000) / (performance.now() - startedMs), accepted: result.acceptedTxs };
      } finally {
        await started.stop();
      }
    });
    const rawAfter = await rawAllCoresRate();
    const reference = (rawBefore + rawAfter) / 2;

    const client = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING, clientId: 'bench-raw' });
    const admin = client.admin();
    await admin.connect();
    const rawTopic = `bench.raw.${randomUUID()}`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: rawTopic, numPartitions: 1, replicationFactor: 1 }] });
    await admin.disconnect();
    const producer: Producer = client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    const log: EventLog = await openKafkaLog({ brokers: kafka.brokers, topic: `bench.ain.${randomUUID()}` });
    const raw: number[] = [];
    const ours: number[] = [];
    try {
      await appendFor((batch) => producer.send({ topic: rawTopic, acks: -1, messages: batch.map((value) => ({ partition: 0, value })) }));
      await appendFor((batch) => log.append(batch));
      for (let i = 0; i < pairs; i++) {
        raw.push(await appendFor((batch) => producer.send({ topic: rawTopic, acks: -1, messages: batch.map((value) => ({ partition: 0, value })) })));
        ours.push(await appendFor((batch) => log.append(batch)));
      }
    } finally {
      await producer.disconnect();
      await log.close();
    }
    const ratios = raw.map((r, i) => ours[i]! / r);
    const describe = `${recordBytes}-byte records, ${appenders} appenders × ${recordsPerAppend}, ${runMs} ms runs, one broker on 127.0.0.1`;
    return [
      { name: 'kafka.raw.append', value: median(raw), unit: 'records/s', samples: raw, note: `kafkajs producer, idempotent, acks=-1, ${describe}` },
      { name: 'kafka.log.append', value: median(ours), unit: 'records/s', samples: ours, note: `ain's kafka EventLog, ${describe}` },
      {
        name: 'kafka.log.append.ratio',
        value: median(ratios),
        unit: 'x',
        note: `kafka.log.append / kafka.raw.append, median of ${pairs} paired runs (${ratios.map((r) => r.toFixed(2)).join(', ')})`,
      },
      {
        name: 'kafka.node.sustained',
        value: node.rate,
        unit: 'txs/s',
        note: `${node.accepted} txs in POST /v1/txs × ${sustainedLoad.batchTxs}, ${sustainedLoad.inFlight} in flight, through a node on the Kafka log, submit → final`,
      },
      {
        name: 'kafka.node.sustained.ratio',
        value: node.rate / reference,
        unit: 'x',
        note: `kafka.node.sustained / raw verifies on all cores around it (${Math.round(rawBefore)} before, ${Math.round(rawAfter)} after)`,
      },
    ];
  } finally {
    await kafka.stop();
  }
}
