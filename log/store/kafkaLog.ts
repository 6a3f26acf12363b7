import { randomUUID } from 'node:crypto';

import { Kafka, logLevel } from 'kafkajs';

import { AinError, isAinError } from '../../schemas/index.ts';
import type { EventLog, FollowOptions, LogOutage, LogRecord, ReadOptions } from './eventLog.ts';
import { followRecords, OffsetNotifier } from './follow.ts';
import { createKafkaAppender, type KafkaAppender } from './kafkaAppender.ts';
import { createKafkaSockets, isRetriable, PartitionReader } from './kafkaLogFetch.ts';

/** Tries at opening a log (creating and finding its topic) before it is LOG_UNAVAILABLE. */
const openAttemptsMax = 6;

export interface KafkaLogOptions {
  /** `host:port` of one or more brokers, e.g. `['127.0.0.1:9092']`. */
  readonly brokers: string[];
  /** One topic per chain and shard (by default `ain.<chain>.<shard>.<genesis>`: kafkaTopicOf), with one partition for total order. */
  readonly topic: string;
  readonly clientId?: string;
  /**
   * Creates the topic on first use with these settings; `false` requires it to exist (else LOG_TOPIC_MISSING, listing the ain topics there).
   * Default `{ replicationFactor: 1, minInsyncReplicas: 1 }` suits one broker; use 3 and 2 on a cluster.
   */
  readonly createTopic?: { readonly replicationFactor: number; readonly minInsyncReplicas: number } | false;
  /** How often the high watermark is polled, so other writers' appends are seen (default 200). */
  readonly pollIntervalMs?: number;
  /** Appends waiting for their turn before `append` refuses with OVERLOADED (default 10 000). */
  readonly maxPendingAppends?: number;
  readonly compression?: 'none' | 'gzip';
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /**
   * How long an append keeps sending the same records to an unreachable broker before it rejects
   * with LOG_NOT_ACKNOWLEDGED (default 30 000 ms; see kafkaAppender.ts for why the same records).
   */
  readonly appendRetryMs?: number;
  /**
   * Records per produce request are bounded by this many bytes (default 900 KiB, under the
   * broker's `message.max.bytes` of 1 MiB); a larger append goes in several requests.
   */
  readonly maxRequestBytes?: number;
  /**
   * And by this many records (default 512): kafkajs groups a request's messages by partition in
   * time quadratic in their count (it copies the group's array for each message), which made a
   * request of 1,000+ records cost more CPU than checking its signatures' share.
   */
  readonly maxRequestRecords?: number;
}

const readRequestTimeoutMs = 5_000;
/** A high-watermark poll unanswered this long counts as failed (its request times out sooner, unless the client hangs). */
const pollStuckMs = 10_000;
/** What Kafka adds to a record in a batch, at most (length, attributes, deltas, key and header counts). */
const recordOverheadBytes = 32;

const DEFAULTS = {
  pollIntervalMs: 200,
  maxPendingAppends: 10_000,
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
  appendRetryMs: 30_000,
  // Below the broker's default message.max.bytes (1 MiB), with room for the batch header.
  maxRequestBytes: 900 * 1024,
  maxRequestRecords: 512,
};

/**
 * An `EventLog` on one single-partition Kafka topic: an idempotent producer with `acks: -1`, and
 * reads that commit nothing to Kafka (each node keeps its own position). Appends are serialised;
 * a batch goes in produce requests of at most maxRequestBytes and maxRequestRecords, one after
 * another, so its records keep their order (another writer's may fall between two requests).
 * @example
 * const log = await openKafkaLog({ brokers: ['127.0.0.1:9092'], topic: 'ain.dev.0' });
 * await log.append([new TextEncoder().encode('hello')]); // → [0] on a new topic
 */
export async function openKafkaLog(options: KafkaLogOptions): Promise<EventLog> {
  const { brokers, topic } = options;
  const settings = { ...DEFAULTS, ...withoutUndefined(options) };
  const clientId = options.clientId ?? `ain-${randomUUID()}`;
  const where = `Kafka topic ${topic} at ${brokers.join(',')}`;
  const unavailable = (error: unknown): AinError =>
    isAinError(error)
      ? error
      : new AinError('LOG_UNAVAILABLE', `Could not reach ${where}: ${messageOf(error)}. Check that the brokers run and are reachable.`, {
          details: { brokers, topic },
          cause: error,
        });

  const sockets = createKafkaSockets();
  const kafka = new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    socketFactory: sockets.factory as never,
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    retry: { retries: 3 },
  });
  // Reads never wait on the broker (maxWaitTime 0), so a request that takes seconds is a broker
  // that died mid-request: give up soon and let the follower retry, instead of hanging 30 s.
  const reader = new PartitionReader({
    brokers,
    topic,
    clientId,
    sockets,
    connectionTimeoutMs: settings.connectionTimeoutMs,
    requestTimeoutMs: Math.min(settings.requestTimeoutMs, readRequestTimeoutMs),
  });
  let closed = false;
  let appender: KafkaAppender | undefined;
  let last = -1;
  // A topic just created may be unknown to the broker's metadata for a moment
  // (UNKNOWN_TOPIC_OR_PARTITION, retriable): the whole opening is tried again, bounded.
  for (let tries = 1; ; tries++) {
    try {
      await ensureTopic(kafka, brokers, topic, options.createTopic ?? { replicationFactor: 1, minInsyncReplicas: 1 });
      appender = createKafkaAppender({ kafka, topic, compression: settings.compression ?? 'none', retryMs: settings.appendRetryMs, isClosed: () => closed });
      await appender.connect();
      await reader.connect();
      last = (await reader.highWatermark()) - 1;
      break;
    } catch (error) {
      await appender?.close();
      await reader.disconnect().catch(() => undefined);
      appender = undefined;
      // Ours (no broker answered, a topic missing or of several partitions) are final; kafkajs's retriable ones are tried again.
      if (isAinError(error) || !isRetriable(error) || tries >= openAttemptsMax) throw unavailable(error);
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (tries - 1)));
    }
  }
  const connectedAppender = appender!;

  const notifier = new OffsetNotifier();
  let pending = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const closedError = (): AinError => new AinError('LOG_CLOSED', `The Kafka log on ${topic} is closed; open it again.`);
  const advance = (offset: number): void => {
    if (offset <= last) return;
    last = offset;
    notifier.notify();
  };

  /**
   * Sends a batch in requests that fit the broker's message size limit (and maxRequestRecords), one after another. With
   * other writers on the topic their records may fall between two requests; every offset returned
   * is the record's own. A failed request fails the append (earlier requests may be written).
   */
  const produce = async (batch: readonly Uint8Array[]): Promise<number[]> => {
    const offsets: number[] = [];
    let start = 0;
    while (start < batch.length) {
      let end = start;
      let bytes = 0;
      while (
        end < batch.length &&
        (end === start || (end - start < settings.maxRequestRecords && bytes + batch[end]!.byteLength + recordOverheadBytes <= settings.maxRequestBytes))
      ) {
        bytes += batch[end]!.byteLength + recordOverheadBytes;
        end++;
      }
      offsets.push(...(await produceOne(batch.slice(start, end))));
      start = end;
    }
    return offsets;
  };

  const produceOne = async (batch: readonly Uint8Array[]): Promise<number[]> => {
    if (closed) throw closedError();
    let baseOffset: number;
    try {
      baseOffset = await connectedAppender.send(batch);
    } catch (error) {
      throw new AinError(
        'LOG_NOT_ACKNOWLEDGED',
        `${where} did not acknowledge an append of ${batch.length} records: ${messageOf(error)}. It may or may not be in the log; resubmitting is safe for deduplicated txs.`,
        { details: { brokers, topic, records: batch.length }, cause: error },
      );
    }
    const offsets = batch.map((_, index) => baseOffset + index);
    advance(baseOffset + batch.length - 1);
    return offsets;
  };

  const read = async (from: number, readOptions: ReadOptions = {}): Promise<LogRecord[]> => {
    if (closed) throw closedError();
    const maxRecords = Math.floor(readOptions.maxRecords ?? Number.MAX_SAFE_INTEGER);
    if (maxRecords <= 0) return [];
    try {
      const records = await reader.read(Math.max(0, Math.ceil(from)), maxRecords);
      const tail = records[records.length - 1];
      if (tail !== undefined) advance(tail.offset);
      return records;
    } catch (error) {
      if (closed) throw closedError();
      throw unavailable(error);
    }
  };

  // Another process's appends reach `lastOffset` (and wake followers) through this poll.
  // A failed poll is retried on the next tick; appends and reads report the outage themselves,
  // and `outage()` says since when the polls have failed. One poll is in flight at a time, but
  // one unanswered for `pollStuckMs` counts as failed and another starts.
  let outage: LogOutage | undefined;
  let pollStartedMs: number | undefined;
  // Polls are numbered: a late answer of one a newer poll replaced changes nothing.
  let polls = 0;
  const failed = (message: string, sinceMs: number) => {
    if (!closed) outage = { sinceMs: outage?.sinceMs ?? sinceMs, message: `${where} does not answer: ${message}` };
  };
  const poller = setInterval(() => {
    const startedMs = Date.now();
    if (pollStartedMs !== undefined) {
      if (startedMs - pollStartedMs < pollStuckMs) return;
      failed(`a request was not answered in ${pollStuckMs / 1000} s`, pollStartedMs);
    }
    pollStartedMs = startedMs;
    const poll = ++polls;
    reader.highWatermark().then(
      (highWatermark) => {
        if (poll !== polls) return;
        pollStartedMs = undefined;
        outage = undefined;
        if (!closed) advance(highWatermark - 1);
      },
      (error: unknown) => {
        if (poll !== polls) return;
        pollStartedMs = undefined;
        failed(messageOf(error), startedMs);
      },
    );
  }, settings.pollIntervalMs);
  poller.unref();

  return {
    append(batch) {
      if (closed) return Promise.reject(closedError());
      if (batch.length === 0) return Promise.resolve([]);
      if (pending >= settings.maxPendingAppends) {
        return Promise.reject(new AinError('OVERLOADED', `${settings.maxPendingAppends} appends already wait for ${where}; retry later.`));
      }
      pending++;
      const result = queue.then(() => produce(batch));
      queue = result.catch(() => undefined).finally(() => pending--);
      return result;
    },
    read,
    follow(from: number, followOptions: FollowOptions = {}) {
      return followRecords({ read, lastOffset: () => last, isClosed: () => closed, notifier }, from, followOptions);
    },
    lastOffset: () => last,
    outage: () => outage,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(poller);
      notifier.close();
      await queue;
      await Promise.allSettled([connectedAppender.close(), reader.disconnect()]);
      sockets.destroyAll();
    },
  };
}

/** Topics listed beside a missing one, at most. */
const topicsListedMax = 10;

async function ensureTopic(kafka: Kafka, brokers: readonly string[], topic: string, create: KafkaLogOptions['createTopic']): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (error) {
    // No broker of the list answered the first connection, after kafkajs's own retries (nothing
    // listens there, no such host): said now, not after the opening's tries, which are for a
    // cluster that answers but is not ready (a topic just created, a leader moving).
    throw new AinError(
      'LOG_UNAVAILABLE',
      `Could not reach Kafka topic ${topic} at ${brokers.join(',')}: ${messageOf(error)}. Check that the brokers run and are reachable.`,
      { details: { brokers, topic }, cause: error },
    );
  }
  try {
    if (create === false) {
      const names = await admin.listTopics();
      if (!names.includes(topic)) {
        // Those most like it first (the longest common start): a typo's topic is likely among them.
        const alike = (name: string) => {
          let i = 0;
          while (i < name.length && name[i] === topic[i]) i++;
          return i;
        };
        const ain = names
          .filter((name) => name.startsWith('ain.'))
          .map((name) => ({ name, alike: alike(name) }))
          .sort((a, b) => b.alike - a.alike || (a.name < b.name ? -1 : 1))
          .map(({ name }) => name);
        const listed =
          ain.length === 0
            ? 'no ain topic is there'
            : `the ain topics there: ${ain.slice(0, topicsListedMax).join(', ')}${ain.length > topicsListedMax ? ', …' : ''}`;
        throw new AinError('LOG_TOPIC_MISSING', `Kafka topic ${topic} does not exist at ${brokers.join(',')} (${listed}).`, {
          details: { brokers, topic, topics: ain.slice(0, topicsListedMax) },
        });
      }
    } else if (create !== undefined) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: 1,
            replicationFactor: create.replicationFactor,
            configEntries: [{ name: 'min.insync.replicas', value: String(create.minInsyncReplicas) }],
          },
        ],
      });
    }
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]?.partitions.length ?? 0;
    if (partitions !== 1) {
      throw new AinError('BAD_CONFIG', `Kafka topic ${topic} has ${partitions} partitions; the ain log needs exactly one for total order.`, {
        details: { topic, partitions },
      });
    }
  } finally {
    await admin.disconnect();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
