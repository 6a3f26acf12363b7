import type { Socket } from 'node:net';
import { z } from 'zod';
import { AinError, parseOrThrow } from '../../schemas/index.ts';
import type { FramedEvent, StreamHub } from '../streams/index.ts';
import { muxRoute } from './muxRoute.ts';
import { answerOf, doc, restOfPath, type Api } from './openApi.ts';
import { serveSse, type SseLimits, type StreamRouteMetrics } from './sseConnection.ts';

export type { StreamRouteMetrics } from './sseConnection.ts';

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
  /** Streams one multiplexed socket may carry (`/v1/streams/mux?names=…`). */
  readonly muxNamesMax?: number;
}

const FromQuery = z.strictObject({ from: z.coerce.number().int().min(1).optional() });
const LastEventId = z.coerce.number().int().min(0);

/**
 * `GET /v1/streams/<name>`: a stream as Server-Sent Events. `?from=<height>` replays from that
 * height; a reconnecting client's `Last-Event-ID` resumes after the last event it got (which
 * wins). A subscriber that leaves `bufferBytesMax` unread gets an `error` event (SLOW_CONSUMER)
 * and the stream ends; a socket whose stream ended is closed once it has sent what is left, or
 * destroyed after `drainMs` with its unsent bytes: the node never buffers without bound, and the
 * socket counts toward `connectionsMax` until it is gone. `GET /v1/streams/mux?names=a,b` carries
 * several streams on one socket, within the same limits (muxRoute.ts).
 */
export function streamRoutes(
  app: Api,
  { hub, connectionsMax = 2000, bufferBytesMax = 1 << 20, drainMs = 5000, heartbeatMs = 15_000, metrics, muxNamesMax = 16 }: StreamRoutesOptions,
): void {
  const limits: SseLimits = { sockets: new Set<Socket>(), bufferBytesMax, drainMs, heartbeatMs, metrics };
  const checkRoom = () => {
    if (limits.sockets.size >= connectionsMax) throw new AinError('OVERLOADED', `This node serves ${connectionsMax} streams at most; retry in a moment.`);
  };
  muxRoute(app, { hub, limits, checkRoom, namesMax: muxNamesMax });
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
    checkRoom();
    const { replay, live } = hub.resume(name, fromHeight); // NOT_FOUND, STREAM_GAP, INVALID_PATH, RESULT_TOO_LARGE: plain errors
    let lastSent = (fromHeight ?? 1) - 1;
    await serveSse<FramedEvent>(request, reply, limits, {
      comment: `ain stream ${name}`,
      replay,
      live,
      // Each event comes with its frame, made once by the hub for every subscriber it reaches.
      frameOf: ({ id, frame }) => ((lastSent = id), frame),
      bytesOf: ({ frame }) => frame.length,
      slow: () =>
        new AinError(
          'SLOW_CONSUMER',
          `The stream ${name} was not read fast enough (more than ${bufferBytesMax} bytes waiting); reconnect with Last-Event-ID ${lastSent} to resume.`,
        ),
    });
  });
}
