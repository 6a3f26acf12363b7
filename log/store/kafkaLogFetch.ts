import { createRequire } from 'node:module';

import type { LogRecord } from './eventLog.ts';

/*
 * Reads for the Kafka log go through kafkajs's own cluster client (the layer its consumer is built
 * on), not a consumer: a fetch at any offset, no consumer group, nothing committed, and reads may
 * run concurrently. kafkajs publishes no types for this layer (2.2.4 is its last release), so the
 * few calls used are typed here.
 */
const require = createRequire(import.meta.url);

interface FetchedMessage {
  readonly offset: string;
  readonly value: Buffer | null;
}
interface FetchResponse {
  readonly responses: readonly {
    readonly partitions: readonly { readonly partition: number; readonly highWatermark: string; readonly messages: readonly FetchedMessage[] }[];
  }[];
}
interface Broker {
  fetch(request: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<FetchResponse>;
}
interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(query: { nodeId: string }): Promise<Broker>;
  fetchTopicsOffset(topics: { topic: string; partitions: { partition: number }[] }[]): Promise<{ partitions: { partition: number; offset: string }[] }[]>;
}
type ClusterConstructor = new (options: Record<string, unknown>) => Cluster;

const ClusterClass = require('kafkajs/src/cluster') as ClusterConstructor;
const { createLogger, LEVELS } = require('kafkajs/src/loggers') as { createLogger: (options: object) => unknown; LEVELS: { NOTHING: number } };
const kafkajsSocketFactory = require('kafkajs/src/network/socketFactory') as () => SocketFactory;

type KafkaSocket = { unref(): unknown; destroy(): unknown; once(event: 'close', listener: () => void): unknown };
type SocketFactory = (options: Record<string, unknown>) => KafkaSocket;

/** kafkajs's socket factory, for every client of one log, and a way to close what they left open. */
export interface KafkaSockets {
  readonly factory: SocketFactory;
  /** Destroys every socket still open: a client kafkajs left connected must not keep the process alive. */
  destroyAll(): void;
}

/**
 * kafkajs's sockets, tracked, with `unref` done once per socket. kafkajs unrefs a connection's
 * socket on every disconnect, and Node's `unref` of a socket still connecting adds a `connect`
 * listener each time: during an outage the retries piled them up (MaxListenersExceededWarning).
 * And a producer dropped during an outage can leave a connection it reopened: the log destroys
 * what is left when it closes.
 */
export function createKafkaSockets(): KafkaSockets {
  const create = kafkajsSocketFactory();
  const open = new Set<KafkaSocket>();
  let closed = false;
  return {
    factory(options) {
      const socket = create(options);
      if (closed) {
        socket.destroy(); // a client reconnecting after its log closed
        return socket;
      }
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      const unref = socket.unref.bind(socket);
      let unrefed = false;
      socket.unref = () => {
        if (!unrefed) unref();
        unrefed = true;
        return socket;
      };
      return socket;
    },
    destroyAll() {
      closed = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
  };
}

const READ_UNCOMMITTED = 0;
const PARTITION = 0;
const FETCH_MAX_BYTES = 4 * 1024 * 1024;
// A topic created a moment ago may take seconds to be hosted on a busy machine: up to ~12 s of backoff.
const ATTEMPTS_MAX = 8;
const BACKOFF_MS = 100;

export interface PartitionReaderOptions {
  readonly brokers: string[];
  readonly topic: string;
  readonly clientId: string;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly sockets: KafkaSockets;
}

/**
 * Whether kafkajs says trying again may work: the error itself, or the one its own retries gave up
 * on (KafkaJSNumberOfRetriesExceeded wraps a retriable cause, e.g. a topic the broker does not
 * know yet right after it was created).
 */
export function isRetriable(error: unknown): boolean {
  for (
    let e = error as { retriable?: boolean; cause?: unknown } | undefined, depth = 0;
    e !== undefined && e !== null && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (e.retriable === true) return true;
  }
  return false;
}

/** Reads one partition at any offset and asks for its high watermark, retrying leader moves. */
export class PartitionReader {
  private readonly cluster: Cluster;
  /** Set by `disconnect`: a read in flight then fails at once instead of retrying against a closed client. */
  private disconnected = false;

  constructor(private readonly options: PartitionReaderOptions) {
    this.cluster = new ClusterClass({
      logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => undefined }),
      socketFactory: options.sockets.factory,
      brokers: options.brokers,
      clientId: options.clientId,
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      enforceRequestTimeout: true,
      metadataMaxAge: 300_000,
      allowAutoTopicCreation: false,
      isolationLevel: READ_UNCOMMITTED,
      retry: { retries: 2 },
    });
  }

  async connect(): Promise<void> {
    await this.cluster.connect();
    // Right after a topic is created a broker may not know it yet (UNKNOWN_TOPIC_OR_PARTITION, retriable).
    await this.retrying(() => this.cluster.addTargetTopic(this.options.topic));
  }

  disconnect(): Promise<void> {
    this.disconnected = true;
    return this.cluster.disconnect();
  }

  /** The offset the next record will get, as far as it is replicated (the high watermark). */
  highWatermark(): Promise<number> {
    return this.retrying(async () => {
      const [topic] = await this.cluster.fetchTopicsOffset([{ topic: this.options.topic, partitions: [{ partition: PARTITION }] }]);
      const offset = topic?.partitions.find((entry) => entry.partition === PARTITION)?.offset;
      if (offset === undefined) throw new Error(`no offset for partition ${PARTITION} of ${this.options.topic}`);
      return Number(offset);
    });
  }

  /** Up to `maxRecords` records from `from`, below the high watermark; [] past the end. */
  async read(from: number, maxRecords: number): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    let next = from;
    let end = Number.POSITIVE_INFINITY;
    while (out.length < maxRecords && next < end) {
      const fetched = await this.fetchOnce(next);
      if (fetched === undefined) break;
      end = Math.min(end, fetched.highWatermark);
      let progressed = false;
      for (const message of fetched.messages) {
        const offset = Number(message.offset);
        // A fetch returns whole record batches: skip what precedes `next`.
        if (offset < next || offset >= end || out.length >= maxRecords) continue;
        // A view into the fetch's response (kafkajs never reuses it), not a copy with an ArrayBuffer of its own per record.
        out.push({ offset, value: message.value ?? new Uint8Array(0) });
        next = offset + 1;
        progressed = true;
      }
      if (!progressed) break;
    }
    return out;
  }

  private async fetchOnce(offset: number): Promise<{ highWatermark: number; messages: readonly FetchedMessage[] } | undefined> {
    return this.retrying(async () => {
      const broker = await this.leader();
      try {
        const response = await broker.fetch({
          replicaId: -1,
          isolationLevel: READ_UNCOMMITTED,
          maxWaitTime: 0,
          minBytes: 1,
          maxBytes: FETCH_MAX_BYTES,
          topics: [{ topic: this.options.topic, partitions: [{ partition: PARTITION, fetchOffset: String(offset), maxBytes: FETCH_MAX_BYTES }] }],
        });
        const partition = response.responses[0]?.partitions.find((entry) => entry.partition === PARTITION);
        return partition === undefined ? undefined : { highWatermark: Number(partition.highWatermark), messages: partition.messages };
      } catch (error) {
        // Past the log end offset Kafka answers OFFSET_OUT_OF_RANGE: nothing there to read yet.
        if ((error as { type?: string }).type === 'OFFSET_OUT_OF_RANGE' && offset >= (await this.highWatermark())) return undefined;
        throw error;
      }
    });
  }

  private async leader(): Promise<Broker> {
    const leaders = this.cluster.findLeaderForPartitions(this.options.topic, [PARTITION]);
    const nodeId = Object.keys(leaders)[0];
    if (nodeId === undefined) throw Object.assign(new Error(`no leader for ${this.options.topic}`), { retriable: true });
    return this.cluster.findBroker({ nodeId });
  }

  /** Bounded retries for what a leader change or a dropped connection explains. */
  private async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (!isRetriable(error) || tries >= ATTEMPTS_MAX || this.disconnected) throw error;
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS * 2 ** (tries - 1)));
        await this.cluster.refreshMetadata().catch(() => undefined);
      }
    }
  }
}
