import type { Socket } from 'node:net';
import { z } from 'zod';
import { AinError, parseOrThrow } from '../../schemas/index.ts';
import type { Subscription } from 'rxjs';
import type { FramedEvent, StreamHub } from '../streams/index.ts';
import { answerOf, doc, restOfPath, type Api } from './openApi.ts';

/** What the stream routes tell the node's metrics. */
export interface StreamRouteMetrics {
  /** Stream sockets open now, each counted from its stream's start until the socket is closed. */
  onConnections(open: number): void;
  onSlowConsumer(): void;
  /** Bytes of events handed to a socket. */
  onSent(bytes: number): void;
}

export interface StreamRoutesOptions {
  readonly hub: StreamHub;
  /** Stream sockets open at once, each counted until it is closed (not only until its stream ends); more are OVERLOADED. */
  readonly connectionsMax?: number;
  /** Bytes a subscriber may leave unread before the node ends its stream with SLOW_CONSUMER. */
  readonly bufferBytesMax?: number;
  /** How long an ended stream's socket may take to send what is left before it is destroyed. */
  readonly drainMs?: number;
  readonly heartbeatMs?: number;
  readonly metrics?: StreamRouteMetrics;
}

const FromQuery = z.strictObject({ from: z.coerce.number().int().min(1).optional() });
const LastEventId = z.coerce.number().int().min(0);

/**
 * `GET /v1/streams/<name>`: a stream as Server-Sent Events. `?from=<height>` replays from that
 * height; a reconnecting client's `Last-Event-ID` resumes after the last event it got (which
 * wins). A subscriber that leaves `bufferBytesMax` unread gets an `error` event (SLOW_CONSUMER)
 * and the stream ends; a socket whose stream ended is closed once it has sent what is left, or
 * destroyed after `drainMs` with its unsent bytes: the node never buffers without bound, and the
 * socket counts toward `connectionsMax` until it is gone.
 */
export function streamRoutes(
  app: Api,
  { hub, connectionsMax = 2000, bufferBytesMax = 1 << 20, drainMs = 5000, heartbeatMs = 15_000, metrics }: StreamRoutesOptions,
): void {
  const sockets = new Set<Socket>();
  // No HEAD: its answer would be the headers of a stream that never ends, and no body to end it.
  const streamDoc = doc('streams', 'A projection as Server-Sent Events, from a height (`?from=`) or after the `Last-Event-ID` a client reconnects with.', {
    params: restOfPath('The stream’s name: `blocks`, `finality`, `jobs`, `accounts/<address>`, `state/<path>` … (docs/api.md).'),
    querystring: FromQuery,
    response: { 200: answerOf('text/event-stream', 'Events `id: <height>`, `data: <JSON>`; an `error` event ({ code, message }) ends a stream.') },
  });
  app.get('/v1/streams/*', { ...streamDoc, exposeHeadRoute: false }, async (request, reply) => {
    const name = request.params['*'].replace(/\/$/, '');
    const { from } = request.query;
    const lastId = request.headers['last-event-id'];
    const fromHeight = lastId === undefined ? from : parseOrThrow(LastEventId, lastId, 'Last-Event-ID header') + 1;
    if (sockets.size >= connectionsMax) throw new AinError('OVERLOADED', `This node serves ${connectionsMax} streams at most; retry in a moment.`);
    const { replay, live } = hub.resume(name, fromHeight); // NOT_FOUND, STREAM_GAP, INVALID_PATH, RESULT_TOO_LARGE: plain errors

    reply.hijack();
    const raw = reply.raw;
    const socket = request.raw.socket;
    sockets.add(socket);
    metrics?.onConnections(sockets.size);
    // The connection closes with the stream: a stream's socket is never reused, so it is counted until it is gone.
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'close', 'x-accel-buffering': 'no' });
    raw.write(`: ain stream ${name}\n\n`);
    let ended = false;
    let subscription: Subscription | undefined;
    const end = (error?: AinError) => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      subscription?.unsubscribe();
      if (socket.destroyed) return;
      if (error !== undefined) raw.write(`event: error\ndata: ${JSON.stringify(error.toJSON())}\n\n`);
      raw.end();
      // A reader that does not take what is left in time loses it with its socket, so its bytes are freed.
      const drain = setTimeout(() => socket.destroy(), drainMs);
      socket.once('close', () => clearTimeout(drain));
    };
    socket.once('close', () => {
      sockets.delete(socket);
      metrics?.onConnections(sockets.size);
      end();
    });
    const slow = (lastId: number) => {
      metrics?.onSlowConsumer();
      return new AinError(
        'SLOW_CONSUMER',
        `The stream ${name} was not read fast enough (more than ${bufferBytesMax} bytes waiting); reconnect with Last-Event-ID ${lastId} to resume.`,
      );
    };
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), heartbeatMs);
    // Live events wait in a bounded queue while the replay is written at the reader's pace.
    let queue: FramedEvent[] | null = [];
    let queuedBytes = 0;
    let lastSent = (fromHeight ?? 1) - 1;
    // Each event comes with its frame, made once by the hub for every subscriber it reaches.
    const send = ({ id, frame }: FramedEvent) => {
      raw.write(frame);
      metrics?.onSent(frame.length);
      lastSent = id;
    };
    subscription = live.subscribe({
      next: (event) => {
        // Slow is more than bufferBytesMax already waiting: one event of any size is always taken.
        if (queue !== null) {
          if (queuedBytes > bufferBytesMax) return end(slow(lastSent));
          queue.push(event);
          queuedBytes += event.frame.length;
        } else if (raw.writableLength > bufferBytesMax) end(slow(lastSent));
        else send(event);
      },
      error: (error: unknown) => end(error instanceof AinError ? error : new AinError('INTERNAL', 'The stream failed; see the node log.', { cause: error })),
      complete: () => end(),
    });
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
