import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AinError, parseOrThrow } from '../../schemas/index.ts';
import type { Subscription } from 'rxjs';
import type { StreamEvent, StreamHub } from '../streams/streamHub.ts';

export interface StreamRoutesOptions {
  readonly hub: StreamHub;
  /** Open streams at once; more are OVERLOADED. */
  readonly subscribersMax?: number;
  /** Bytes a subscriber may leave unread before the node closes its stream with SLOW_CONSUMER. */
  readonly bufferBytesMax?: number;
  readonly heartbeatMs?: number;
}

const FromQuery = z.strictObject({ from: z.coerce.number().int().min(1).optional() });
const LastEventId = z.coerce.number().int().min(0);

const frame = ({ id, event, data }: StreamEvent): string => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * `GET /v1/streams/<name>`: a stream as Server-Sent Events. `?from=<height>` replays from that
 * height; a reconnecting client's `Last-Event-ID` resumes after the last event it got (which
 * wins). A subscriber that leaves `bufferBytesMax` unread gets an `error` event (SLOW_CONSUMER)
 * and the stream ends: the node never buffers without bound.
 */
export function streamRoutes(app: FastifyInstance, { hub, subscribersMax = 2000, bufferBytesMax = 1 << 20, heartbeatMs = 15_000 }: StreamRoutesOptions): void {
  let open = 0;
  // No HEAD: its answer would be the headers of a stream that never ends, and no body to end it.
  app.get('/v1/streams/*', { exposeHeadRoute: false }, async (request, reply) => {
    const name = (request.params as { '*': string })['*'].replace(/\/$/, '');
    const { from } = parseOrThrow(FromQuery, request.query, 'query');
    const lastId = request.headers['last-event-id'];
    const fromHeight = lastId === undefined ? from : parseOrThrow(LastEventId, lastId, 'Last-Event-ID header') + 1;
    if (open >= subscribersMax) throw new AinError('OVERLOADED', `This node serves ${subscribersMax} streams at most; retry in a moment.`);
    const { replay, live } = hub.resume(name, fromHeight); // NOT_FOUND, STREAM_GAP, INVALID_PATH: plain errors

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.write(`: ain stream ${name}\n\n`);
    open++;
    let ended = false;
    let subscription: Subscription | undefined;
    const end = (error?: AinError) => {
      if (ended) return;
      ended = true;
      open--;
      clearInterval(heartbeat);
      subscription?.unsubscribe();
      if (error !== undefined && !raw.destroyed) raw.write(`event: error\ndata: ${JSON.stringify(error.toJSON())}\n\n`);
      raw.end();
    };
    const slow = (lastId: number) =>
      new AinError('SLOW_CONSUMER', `The stream ${name} was not read fast enough (more than ${bufferBytesMax} bytes waiting); reconnect with Last-Event-ID ${lastId} to resume.`);
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), heartbeatMs);
    // Live events wait in a bounded queue while the replay is written at the reader's pace.
    let queue: StreamEvent[] | null = [];
    let queuedBytes = 0;
    let lastSent = (fromHeight ?? 1) - 1;
    const send = (event: StreamEvent) => {
      raw.write(frame(event));
      lastSent = event.id;
    };
    subscription = live.subscribe({
      next: (event) => {
        if (queue !== null) {
          queue.push(event);
          queuedBytes += JSON.stringify(event.data).length;
          if (queuedBytes > bufferBytesMax) end(slow(lastSent));
        } else if (raw.writableLength > bufferBytesMax) end(slow(lastSent));
        else send(event);
      },
      error: (error: unknown) => end(error instanceof AinError ? error : new AinError('INTERNAL', 'The stream failed; see the node log.', { cause: error })),
      complete: () => end(),
    });
    request.raw.on('close', () => end());
    try {
      for (const event of replay) {
        if (ended) return;
        send(event);
        if (raw.writableLength > bufferBytesMax) await new Promise((resolve) => raw.once('drain', resolve).once('close', resolve));
      }
    } catch (error) {
      end(error instanceof AinError ? error : new AinError('INTERNAL', 'The stream failed; see the node log.', { cause: error }));
      return;
    }
    if (ended) return;
    const waiting = queue;
    queue = null;
    for (const event of waiting) send(event);

  });
}
