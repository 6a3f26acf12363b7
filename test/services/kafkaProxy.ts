import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between Kafka clients and one broker that injects the faults a network makes:
 * an answer that never arrives (the request was written, its answer lost), a connection cut
 * mid-request, answers delayed. It reads Kafka's framing (a 4-byte size, then the request header
 * `apiKey, apiVersion, correlationId`; an answer starts with the correlation id) so it can pick
 * produce requests out of the stream.
 */
export interface KafkaProxy {
  /** Where clients connect: give the broker `KAFKA_ADVERTISED_PORT` = this. */
  readonly port: number;
  /** The broker's own port; connections made before it is set are refused. */
  setTarget(port: number): void;
  /**
   * Holds back the answer to the next produce request that matches (default: any), and every
   * answer after it on that connection, so the client never hears the outcome. Resolves once the
   * broker has answered (so the records were written) and the answer was held.
   */
  holdNextProduceAnswer(match?: (requestBytes: number) => boolean): Promise<{ correlationId: number; requestBytes: number }>;
  /** Cuts every connection now (a request in flight has an unknown outcome). */
  cutAll(): void;
  /** Delays every answer by this many ms from now on (0: none). */
  delayAnswers(ms: number): void;
  /** Produce requests seen so far. */
  readonly produceRequests: number;
  close(): Promise<void>;
}

const produceApiKey = 0;

/** Splits a Kafka byte stream into whole frames (size prefix included). */
class Frames {
  #pending: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const frames: Buffer[] = [];
    while (this.#pending.length >= 4) {
      const size = this.#pending.readInt32BE(0);
      if (this.#pending.length < 4 + size) break;
      frames.push(this.#pending.subarray(0, 4 + size));
      this.#pending = this.#pending.subarray(4 + size);
    }
    return frames;
  }
}

interface Hold {
  readonly match: (requestBytes: number) => boolean;
  readonly resolve: (held: { correlationId: number; requestBytes: number }) => void;
}

export async function startKafkaProxy(): Promise<KafkaProxy> {
  let target: number | undefined;
  let hold: Hold | undefined;
  let delayMs = 0;
  let produceRequests = 0;
  const pairs = new Set<{ client: Socket; broker: Socket }>();

  const onClient = (client: Socket) => {
    if (target === undefined) return void client.destroy();
    const broker = connect({ host: '127.0.0.1', port: target });
    const pair = { client, broker };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      broker.destroy();
    };
    client.on('error', end).on('close', end);
    broker.on('error', end).on('close', end);
    // Requests of this connection: correlation id → the size of a produce request.
    const produces = new Map<number, number>();
    let heldFrom: number | undefined;
    let awaitedHold: Hold | undefined;
    const requests = new Frames();
    client.on('data', (chunk: Buffer) => {
      for (const frame of requests.push(chunk)) {
        if (frame.length >= 12 && frame.readInt16BE(4) === produceApiKey) {
          produceRequests++;
          const correlationId = frame.readInt32BE(8);
          produces.set(correlationId, frame.length);
          if (hold !== undefined && awaitedHold === undefined && hold.match(frame.length)) {
            awaitedHold = hold;
            hold = undefined;
            heldFrom = correlationId;
          }
        }
        broker.write(frame);
      }
    });
    const answers = new Frames();
    let held = false;
    broker.on('data', (chunk: Buffer) => {
      for (const frame of answers.push(chunk)) {
        const correlationId = frame.readInt32BE(4);
        const requestBytes = produces.get(correlationId);
        produces.delete(correlationId);
        if (!held && correlationId === heldFrom && requestBytes !== undefined) {
          held = true;
          awaitedHold?.resolve({ correlationId, requestBytes });
        }
        if (held) continue; // the client never hears this answer or any after it
        if (delayMs > 0) setTimeout(() => client.write(frame), delayMs);
        else client.write(frame);
      }
    });
  };

  const server: Server = createServer(onClient);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    setTarget(brokerPort) {
      target = brokerPort;
    },
    holdNextProduceAnswer(match = () => true) {
      return new Promise((resolve) => (hold = { match, resolve }));
    },
    cutAll() {
      for (const { client, broker } of pairs) {
        client.destroy();
        broker.destroy();
      }
      pairs.clear();
    },
    delayAnswers(ms) {
      delayMs = ms;
    },
    get produceRequests() {
      return produceRequests;
    },
    async close() {
      for (const { client, broker } of pairs) {
        client.destroy();
        broker.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
