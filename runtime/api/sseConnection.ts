import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable, Subscription } from 'rxjs';
import { AinError } from '../../schemas/index.ts';

/** What the stream routes tell the node's metrics. */
export interface StreamRouteMetrics {
  /** Stream sockets open now, each counted from its stream's start until the socket is closed. */
  onConnections(open: number): void;
  onSlowConsumer(): void;
  /** Bytes of events handed to a socket. */
  onSent(bytes: number): void;
}

/** The limits every stream socket shares, single or multiplexed. */
export interface SseLimits {
  /** Stream sockets open now: each is added when its stream starts and removed once it is closed. */
  readonly sockets: Set<Socket>;
  readonly bufferBytesMax: number;
  readonly drainMs: number;
  readonly heartbeatMs: number;
  readonly metrics?: StreamRouteMetrics | undefined;
}

/** One stream socket's events: those held (written at the reader's pace), then the live ones. */
export interface SseSource<E> {
  /** The first line, a comment naming the stream. */
  readonly comment: string;
  readonly replay: Iterable<E>;
  readonly live: Observable<E>;
  /** The event's frame, made when it is written (a multiplexed stream's id says where every stream is). */
  frameOf(event: E): Buffer;
  /** What a queued event holds of the node's memory (its frame's bytes), counted toward `bufferBytesMax`. */
  bytesOf(event: E): number;
  /** The error a reader gets when it leaves more than `bufferBytesMax` unread. */
  slow(): AinError;
}

const failed = (error: unknown) => (error instanceof AinError ? error : new AinError('INTERNAL', 'The stream failed; see the node log.', { cause: error }));

/**
 * Serves one Server-Sent Events socket: live events wait in a bounded queue while the replay is
 * written at the reader's pace; a reader leaving `bufferBytesMax` unread gets SLOW_CONSUMER and
 * the stream ends; an ended stream's socket is closed once it has sent what is left, or destroyed
 * after `drainMs`: the node never buffers without bound, and the socket counts toward the
 * limit until it is gone.
 */
export async function serveSse<E>(request: FastifyRequest, reply: FastifyReply, limits: SseLimits, source: SseSource<E>): Promise<void> {
  const { sockets, bufferBytesMax, drainMs, heartbeatMs, metrics } = limits;
  reply.hijack();
  const raw = reply.raw;
  const socket = request.raw.socket;
  sockets.add(socket);
  metrics?.onConnections(sockets.size);
  // The connection closes with the stream: a stream's socket is never reused, so it is counted until it is gone.
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'close', 'x-accel-buffering': 'no' });
  raw.write(`: ${source.comment}\n\n`);
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
  const slow = () => {
    metrics?.onSlowConsumer();
    return source.slow();
  };
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), heartbeatMs);
  let queue: { event: E; bytes: number }[] | null = [];
  let queuedBytes = 0;
  const send = (event: E) => {
    const frame = source.frameOf(event);
    raw.write(frame);
    metrics?.onSent(frame.length);
  };
  subscription = source.live.subscribe({
    next: (event) => {
      // Slow is more than bufferBytesMax already waiting: one event of any size is always taken.
      if (queue !== null) {
        if (queuedBytes > bufferBytesMax) return end(slow());
        const bytes = source.bytesOf(event);
        queue.push({ event, bytes });
        queuedBytes += bytes;
      } else if (raw.writableLength > bufferBytesMax) end(slow());
      else send(event);
    },
    error: (error: unknown) => end(failed(error)),
    complete: () => end(),
  });
  try {
    for (const event of source.replay) {
      if (ended) return;
      send(event);
      if (raw.writableLength > bufferBytesMax) await new Promise((resolve) => raw.once('drain', resolve).once('close', resolve));
    }
  } catch (error) {
    end(failed(error));
    return;
  }
  if (ended) return;
  const waiting = queue;
  queue = null;
  for (const { event } of waiting) send(event);
}
