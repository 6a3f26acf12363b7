import { merge, map, type Observable } from 'rxjs';
import { z } from 'zod';
import { AinError, isAinError, parseOrThrow } from '../../schemas/index.ts';
import type { FramedEvent, StreamHub } from '../streams/index.ts';
import { answerOf, doc, type Api } from './openApi.ts';
import { serveSse, type SseLimits } from './sseConnection.ts';

export interface MuxRouteOptions {
  readonly hub: StreamHub;
  readonly limits: SseLimits;
  /** Throws OVERLOADED when every stream socket is taken. */
  readonly checkRoom: () => void;
  /** Streams one socket may carry. */
  readonly namesMax: number;
}

/** One item of a multiplexed stream: a stream's event, or the error that ended that stream alone. */
type MuxItem = { readonly name: string; readonly event: FramedEvent } | { readonly name: string; readonly error: AinError };

const MuxQuery = z.strictObject({
  names: z
    .string()
    .min(1)
    .describe(
      'The streams, comma separated: `blocks,finality,jobs/<id>@120` (any name `GET /v1/streams/<name>` takes; `@<height>` replays that one from a height).',
    ),
  from: z.coerce.number().int().min(1).optional().describe('Replay every event stream from this height; `Last-Event-ID` wins.'),
});

/** `Last-Event-ID` of a multiplexed stream: where each stream is, `blocks=12&jobs=9` (URL-encoded names). */
export function parseMuxCursor(text: string): Map<string, number> {
  const cursor = new Map<string, number>();
  for (const [name, id] of new URLSearchParams(text)) cursor.set(name, parseOrThrow(z.coerce.number().int().min(0), id, `Last-Event-ID entry ${name}`));
  return cursor;
}

/** The `id:` of a multiplexed event: where every stream of the socket is after it. */
export function formatMuxCursor(cursor: ReadonlyMap<string, number>): string {
  return new URLSearchParams([...cursor].map(([name, id]): [string, string] => [name, String(id)])).toString();
}

/** The data JSON of a hub frame (`id: …\nevent: …\ndata: <json>\n\n`). */
const dataOf = ({ frame }: FramedEvent): Buffer => frame.subarray(frame.indexOf('\ndata: ') + 7, frame.length - 2);

/**
 * `GET /v1/streams/mux?names=a,b,c@12`: several streams on one Server-Sent Events socket, so a page
 * stays under a browser's six connections per origin. Every event is a `message` whose data is
 * `{ stream, event, id, data }` (`data` as the single stream sends it) and whose `id:` says where
 * every stream is (`blocks=12&jobs=9`): a reconnecting EventSource sends it back as
 * `Last-Event-ID` and each stream resumes after its own last event. A stream whose resume height
 * is older than the node holds gets `{ stream, event: "error", data: { code: "STREAM_GAP", … } }`
 * and leaves the socket; the others go on. Caps and the slow-consumer rule are the single
 * streams': the socket counts toward the same limit, and a reader leaving `bufferBytesMax` unread
 * gets an `error` event (SLOW_CONSUMER) that ends them all.
 */
export function muxRoute(app: Api, { hub, limits, checkRoom, namesMax }: MuxRouteOptions): void {
  const muxDoc = doc(
    'streams',
    'Several streams on one Server-Sent Events socket, each event tagged with its stream, each stream resuming after its own last event.',
    {
      querystring: MuxQuery,
      response: {
        200: answerOf(
          'text/event-stream',
          'Events `id: <name>=<height>&…` (where every stream is), `data: { stream, event, id, data }`; a stream ended alone by STREAM_GAP gets `event: "error"`; an `error` event ({ code, message }) ends the socket.',
        ),
      },
    },
  );
  app.get('/v1/streams/mux', { ...muxDoc, exposeHeadRoute: false }, async (request, reply) => {
    // `name@height`: that stream replays from its own height.
    const asked = new Map<string, number | undefined>();
    for (const item of request.query.names.split(',')) {
      const [, bare = item, at] = /^(.*)@(\d+)$/.exec(item.trim()) ?? [];
      const name = bare.trim().replace(/^\/+|\/+$/g, '');
      if (name !== '') asked.set(name, at === undefined ? request.query.from : Math.max(1, Number(at)));
    }
    const names = [...asked.keys()];
    if (names.length === 0 || names.length > namesMax) {
      throw new AinError('BAD_SCHEMA', `query field "names": give 1 to ${namesMax} stream names, comma separated (got ${names.length}).`);
    }
    const lastId = request.headers['last-event-id'];
    const resumeAt = typeof lastId === 'string' ? parseMuxCursor(lastId) : undefined;
    checkRoom();
    // Where each stream is: the last id sent, or (for a stream started live) the height it started after.
    const cursor = new Map<string, number>();
    const replays: { name: string; replay: Iterable<FramedEvent> }[] = [];
    const gaps: MuxItem[] = [];
    const lives: Observable<MuxItem>[] = [];
    for (const name of names) {
      const last = resumeAt?.get(name);
      const fromHeight = last !== undefined ? last + 1 : resumeAt === undefined ? asked.get(name) : undefined;
      try {
        const { replay, live } = hub.resume(name, fromHeight); // NOT_FOUND, INVALID_PATH, RESULT_TOO_LARGE refuse the whole socket
        cursor.set(name, fromHeight === undefined ? hub.latest : fromHeight - 1);
        replays.push({ name, replay });
        lives.push(live.pipe(map((event) => ({ name, event }))));
      } catch (error) {
        if (!isAinError(error, 'STREAM_GAP')) throw error;
        gaps.push({ name, error });
      }
    }
    // No stream left to follow: the socket would carry nothing but the gaps.
    if (lives.length === 0 && gaps[0] !== undefined && 'error' in gaps[0]) throw gaps[0].error;
    function* replay(): Generator<MuxItem> {
      yield* gaps;
      for (const { name, replay } of replays) {
        try {
          for (const event of replay) yield { name, event };
        } catch (error) {
          if (!isAinError(error, 'STREAM_GAP')) throw error;
          yield { name, error };
        }
      }
    }
    const frameOf = (item: MuxItem): Buffer => {
      if ('error' in item) {
        cursor.delete(item.name);
        return Buffer.from(`id: ${formatMuxCursor(cursor)}\ndata: ${JSON.stringify({ stream: item.name, event: 'error', data: item.error.toJSON() })}\n\n`);
      }
      const { name, event } = item;
      cursor.set(name, event.id);
      const head = `id: ${formatMuxCursor(cursor)}\ndata: {"stream":${JSON.stringify(name)},"event":${JSON.stringify(event.event)},"id":${event.id},"data":`;
      return Buffer.concat([Buffer.from(head), dataOf(event), Buffer.from('}\n\n')]);
    };
    await serveSse<MuxItem>(request, reply, limits, {
      comment: `ain streams ${names.join(',')}`,
      replay: replay(),
      live: merge(...lives),
      frameOf,
      bytesOf: (item) => ('event' in item ? item.event.frame.length : 0),
      slow: () =>
        new AinError(
          'SLOW_CONSUMER',
          `The streams ${names.join(',')} were not read fast enough (more than ${limits.bufferBytesMax} bytes waiting); reconnect with Last-Event-ID ${formatMuxCursor(cursor)} to resume.`,
        ),
    });
  });
}
