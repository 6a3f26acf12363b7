import { AinError, safeParse, streamEventData, type StreamEvent } from '../../schemas/index.ts';
import { errorFromAnswer } from './nodeClient.ts';

export interface ReadStreamOptions {
  /** Replay from this height (`?from=`). */
  readonly fromHeight?: number;
  /** Resume after this event id (`Last-Event-ID`); wins over `fromHeight`. */
  readonly lastEventId?: number;
  readonly signal?: AbortSignal;
  /**
   * A stream that sends nothing this long, not even the node's heartbeat (every 15 s by default),
   * is taken for dead: its connection is dropped and NODE_UNREACHABLE thrown, so a follower
   * reconnects instead of waiting for ever on a connection that died silently. Default 45 s.
   */
  readonly idleMs?: number;
  /** Check each event's data against its schema (schemas/streams); default true. */
  readonly validate?: boolean;
}

/** One SSE frame's fields (comments and unknown fields are dropped). */
function parseFrame(frame: string): { id?: string; event?: string; data: string[] } {
  const fields: { id?: string; event?: string; data: string[] } = { data: [] };
  for (const line of frame.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'data') fields.data.push(value);
    else if (name === 'id') fields.id = value;
    else if (name === 'event') fields.event = value;
  }
  return fields;
}

/**
 * An event's data checked against its kind's schema: a node that sends something else (another
 * version, a proxy that mangles frames) is BAD_STREAM_EVENT, so an agent never acts on a shape
 * it does not know.
 */
function checkEvent(nodeUrl: string, name: string, id: number, event: string, data: unknown): void {
  const schema = (streamEventData as Record<string, (typeof streamEventData)[keyof typeof streamEventData] | undefined>)[event];
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new AinError(
      'BAD_STREAM_EVENT',
      `${nodeUrl} sent an event on stream ${name} whose id ${JSON.stringify(id)} is not a block height; is it an ain node of this version?`,
    );
  }
  if (schema === undefined) {
    throw new AinError('BAD_STREAM_EVENT', `${nodeUrl} sent an event of unknown kind "${event}" on stream ${name}; is it an ain node of this version?`, {
      details: { event, id },
    });
  }
  const result = safeParse(schema, data);
  if (result.success) return;
  const issue = result.error.issues[0]!;
  const field = issue.path.length === 0 ? 'its data' : `its field "${issue.path.map(String).join('.')}"`;
  throw new AinError(
    'BAD_STREAM_EVENT',
    `${nodeUrl} sent a ${event} event (id ${id}) on stream ${name} that does not match its schema, ${field}: ${issue.message}. Is it an ain node of this version?`,
    {
      details: { event, id, issues: result.error.issues.slice(0, 5).map((i) => ({ path: i.path.map(String), message: i.message })) },
    },
  );
}

/**
 * Follows `GET /v1/streams/<name>` on a node: yields each event until the stream ends. An
 * `error` event from the node (SLOW_CONSUMER, …) or an error answer is thrown as its AinError; an
 * event whose data does not match its schema is BAD_STREAM_EVENT.
 * @example for await (const e of readStream('http://127.0.0.1:8080', 'blocks')) console.log(e.id)
 */
export async function* readStream(nodeUrl: string, name: string, options: ReadStreamOptions = {}): AsyncGenerator<StreamEvent> {
  const query = options.fromHeight === undefined ? '' : `?from=${options.fromHeight}`;
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
  const idleMs = options.idleMs ?? 45_000;
  const idle = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const heard = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(), idleMs);
  };
  const signal = options.signal === undefined ? idle.signal : AbortSignal.any([options.signal, idle.signal]);
  const silent = () =>
    new AinError('NODE_UNREACHABLE', `${nodeUrl} sent nothing on the stream ${name} for ${idleMs} ms, not even a heartbeat; the connection is taken for dead.`);
  let response: Response;
  try {
    heard();
    response = await fetch(`${nodeUrl}/v1/streams/${name}${query}`, { headers, signal });
  } catch (cause) {
    clearTimeout(timer);
    if (options.signal?.aborted) return;
    if (idle.signal.aborted) throw silent();
    throw new AinError('NODE_UNREACHABLE', `No node answers at ${nodeUrl}: ${(cause as Error).message}.`, { cause });
  }
  if (!response.ok || response.body === null) {
    clearTimeout(timer);
    throw errorFromAnswer(nodeUrl, response.status, await response.json().catch(() => undefined));
  }
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      heard();
      buffered += decoder.decode(chunk, { stream: true });
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const frame = parseFrame(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
        if (frame.data.length === 0) continue;
        const data = JSON.parse(frame.data.join('\n')) as unknown;
        if (frame.event === 'error') throw errorFromAnswer(nodeUrl, 200, data);
        const id = Number(frame.id);
        const event = frame.event ?? 'message';
        if (options.validate !== false) checkEvent(nodeUrl, name, id, event, data);
        // The reader's own time with an event is not the node's silence.
        clearTimeout(timer);
        yield { id, event, data };
        heard();
      }
    }
  } catch (error) {
    if (options.signal?.aborted) return;
    if (idle.signal.aborted) throw silent();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
