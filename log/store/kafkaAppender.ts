import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { isRetriable } from './kafkaLogFetch.ts';

export interface KafkaAppenderOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly compression: 'none' | 'gzip';
  /** How long one send keeps sending the same records to an unreachable broker before it fails. */
  readonly retryMs: number;
  readonly isClosed: () => boolean;
}

export interface KafkaAppender {
  /** Starts a producer now (an open that cannot reach the broker fails at once). */
  connect(): Promise<void>;
  /** Writes the records as one batch to partition 0; resolves with the batch's base offset. */
  send(records: readonly Uint8Array[]): Promise<number>;
  close(): Promise<void>;
}

/** Between sends of the same records: doubling from the first, capped. */
const backoffFirstMs = 100;
const backoffMaxMs = 1_000;
/** kafkajs's own retries inside one send (same records, same sequence), before ours take over. */
const clientRetries = { retries: 2, maxRetryTime: 1_000 };

/**
 * The Kafka log's writer: an idempotent producer (`acks: -1`, one request in flight) whose
 * sequence numbers are never reused for other records.
 *
 * Kafka writes a batch once per (producer id, sequence) and answers a repeat with the first
 * write's offset. kafkajs rolls a producer's sequence back when a send fails (the catch after
 * `broker.produce` in its sendMessages.js), so the next send reuses it: if the failed batch had
 * in fact been written (its answer lost, the broker killed), the broker takes the next batch,
 * other records, for a duplicate and acknowledges it without writing it. So:
 * - a send whose outcome is unknown is sent again, the same records on the same producer, until
 *   Kafka answers or `retryMs` has passed: written or not, the broker then holds them once (as
 *   Kafka's Java producer retries a batch until its delivery timeout);
 * - past that the producer is fenced: dropped, and the next send starts a new producer, whose
 *   InitProducerId gives it a new producer id, so no sequence of the old one is ever sent again.
 * Records of a send that failed may be in the log; its caller says so ("may or may not be").
 */
export function createKafkaAppender({ kafka, topic, compression, retryMs, isClosed }: KafkaAppenderOptions): KafkaAppender {
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;

  const connected = (): Promise<Producer> => {
    if (producer !== undefined) return Promise.resolve(producer);
    connecting ??= (async () => {
      const fresh = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: clientRetries });
      try {
        await fresh.connect();
      } catch (error) {
        await fresh.disconnect().catch(() => undefined);
        throw error;
      }
      producer = fresh;
      return fresh;
    })().finally(() => (connecting = undefined));
    return connecting;
  };

  const fence = (): void => {
    const old = producer;
    producer = undefined;
    void old?.disconnect().catch(() => undefined);
  };

  return {
    async connect() {
      await connected();
    },
    async send(records) {
      const messages = records.map((value) => ({
        partition: 0,
        value: Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      }));
      const deadline = Date.now() + retryMs;
      for (let attempt = 0; ; attempt++) {
        let sent = false;
        try {
          const current = await connected();
          sent = true;
          const [metadata] = await current.send({
            topic,
            acks: -1,
            compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
            messages,
          });
          const baseOffset = Number(metadata?.baseOffset);
          if (!Number.isSafeInteger(baseOffset) || baseOffset < 0) throw new Error(`Kafka acknowledged with base offset ${metadata?.baseOffset}`);
          return baseOffset;
        } catch (error) {
          const backoffMs = Math.min(backoffMaxMs, backoffFirstMs * 2 ** attempt);
          if (isRetriable(error) && !isClosed() && Date.now() + backoffMs < deadline) {
            await new Promise((resolve) => setTimeout(resolve, backoffMs));
            continue;
          }
          if (sent) fence(); // its outcome is unknown: none of its sequence numbers may carry other records
          throw error;
        }
      }
    },
    async close() {
      await connecting?.catch(() => undefined);
      await producer?.disconnect().catch(() => undefined);
      producer = undefined;
    },
  };
}
