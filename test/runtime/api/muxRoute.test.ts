import test from 'ava';
import Fastify from 'fastify';
import { connect } from 'node:net';
import { Subject } from 'rxjs';
import { createStateTree } from '../../../projections/index.ts';
import { sendError, toAinError } from '../../../runtime/api/errors.ts';
import { formatMuxCursor, parseMuxCursor } from '../../../runtime/api/muxRoute.ts';
import { useZodSchemas } from '../../../runtime/api/openApi.ts';
import { streamRoutes } from '../../../runtime/api/streamRoutes.ts';
import type { BlockView } from '../../../runtime/blocks/index.ts';
import { createStreamHub, type StreamBlock } from '../../../runtime/streams/index.ts';

// One socket for several streams: each event tagged with its stream, an id that says where every
// stream is, resume per stream, STREAM_GAP per stream, the single streams' caps and slow rule.

const hex = (n: number) => n.toString(16).padStart(64, '0');
const block = (height: number, { finalized = height - 1, padding = '' } = {}): StreamBlock => ({
  view: {
    hash: hex(height),
    header: { height, padding } as unknown as BlockView['header'],
    txs: [],
    finalized: { height: finalized, hash: hex(finalized) },
    jobEvents: [],
    triggers: [],
  },
  readModels: null,
  consensus: { proposalHash: hex(0), commit: null, evidence: [], validators: [] },
});

async function serve(options: { bufferBytesMax?: number; connectionsMax?: number; historyBlocksMax?: number } = {}) {
  const blocks$ = new Subject<StreamBlock>();
  const hub = createStreamHub({ blocks$, tree: createStateTree({ owner: '0x' + '1'.repeat(40) }), historyBlocksMax: options.historyBlocksMax ?? 100 });
  const app = Fastify({ forceCloseConnections: true });
  app.setErrorHandler((error, _request, reply) => sendError(reply, toAinError(error)));
  streamRoutes(useZodSchemas(app), { hub, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { blocks$, app, port, url: `http://127.0.0.1:${port}` };
}

interface MuxMessage {
  id: string;
  event?: string;
  data: { stream: string; event: string; id: number; data: Record<string, unknown> } & Record<string, unknown>;
}

/** The messages of a multiplexed stream as they come, until the socket ends. */
async function* readMux(url: string, query: string, headers: Record<string, string> = {}, signal?: AbortSignal): AsyncGenerator<MuxMessage> {
  const response = await fetch(`${url}/v1/streams/mux?${query}`, { headers, signal });
  if (response.status !== 200) throw new Error(`${response.status} ${await response.text()}`);
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of response.body!) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const frame = text.slice(0, end);
      text = text.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of frame.split('\n')) if (!line.startsWith(':')) fields[line.slice(0, line.indexOf(':'))] = line.slice(line.indexOf(':') + 2);
      if (fields.data !== undefined) yield { id: fields.id ?? '', event: fields.event, data: JSON.parse(fields.data) };
    }
  }
}

test('the cursor of a multiplexed stream round-trips names with any character', (t) => {
  const cursor = new Map([
    ['blocks', 12],
    ['state/apps/a b&c=d', 9],
  ]);
  t.deepEqual(parseMuxCursor(formatMuxCursor(cursor)), cursor);
  t.throws(() => parseMuxCursor('blocks=x'), { message: /Last-Event-ID entry blocks/ });
});

test('one socket carries several streams, each event tagged with its stream, its id saying where every stream is', async (t) => {
  const { blocks$, app, url } = await serve();
  t.teardown(() => app.close());
  for (let h = 1; h <= 3; h++) blocks$.next(block(h));
  const aborter = new AbortController();
  t.teardown(() => aborter.abort());
  const reading = readMux(url, 'names=blocks,finality&from=2', {}, aborter.signal);
  const got: MuxMessage[] = [];
  for (let i = 0; i < 6; i++) {
    if (i === 4) blocks$.next(block(4));
    got.push((await reading.next()).value as MuxMessage);
  }
  // The replay of each stream in turn, then live events in order.
  t.deepEqual(
    got.map((m) => `${m.data.stream}:${m.data.event}:${m.data.id}`),
    ['blocks:block:2', 'blocks:block:3', 'finality:finality:2', 'finality:finality:3', 'blocks:block:4', 'finality:finality:4'],
  );
  t.like(got[0]!.data.data, { height: 2, hash: hex(2), txs: 0 });
  t.is(got[1]!.id, 'blocks=3&finality=1');
  t.is(got[5]!.id, 'blocks=4&finality=4');
  aborter.abort();
  // `name@height`: each stream from its own height; the others start live.
  const own = new AbortController();
  t.teardown(() => own.abort());
  const mixed = readMux(url, 'names=finality@3,blocks', {}, own.signal);
  t.like(((await mixed.next()).value as MuxMessage).data, { stream: 'finality', id: 3 });
  t.like(((await mixed.next()).value as MuxMessage).data, { stream: 'finality', id: 4 });
  blocks$.next(block(5));
  const live = [((await mixed.next()).value as MuxMessage).data, ((await mixed.next()).value as MuxMessage).data];
  t.deepEqual(live.map((d) => `${d.stream}:${d.id}`).sort(), ['blocks:5', 'finality:5']);
});

test('a reconnect with Last-Event-ID resumes each stream after its own last event', async (t) => {
  const { blocks$, app, url } = await serve();
  t.teardown(() => app.close());
  for (let h = 1; h <= 5; h++) blocks$.next(block(h));
  const aborter = new AbortController();
  t.teardown(() => aborter.abort());
  const reading = readMux(url, 'names=blocks,finality', { 'last-event-id': 'blocks=4&finality=2' }, aborter.signal);
  const got: string[] = [];
  for (let i = 0; i < 4; i++) {
    const { data } = (await reading.next()).value as MuxMessage;
    got.push(`${data.stream}:${data.id}`);
  }
  t.deepEqual(got, ['blocks:5', 'finality:3', 'finality:4', 'finality:5']);
});

test('a stream whose resume height the node no longer holds gets STREAM_GAP alone; the others go on', async (t) => {
  const { blocks$, app, url } = await serve({ historyBlocksMax: 3 });
  t.teardown(() => app.close());
  for (let h = 1; h <= 10; h++) blocks$.next(block(h)); // holds 8..10
  const aborter = new AbortController();
  t.teardown(() => aborter.abort());
  const reading = readMux(url, 'names=blocks,finality', { 'last-event-id': 'blocks=2&finality=9' }, aborter.signal);
  const first = (await reading.next()).value as MuxMessage;
  t.like(first.data, { stream: 'blocks', event: 'error', data: { code: 'STREAM_GAP' } });
  t.is(first.id, 'finality=9');
  const second = (await reading.next()).value as MuxMessage;
  t.like(second.data, { stream: 'finality', event: 'finality', id: 10 });
  blocks$.next(block(11));
  t.like(((await reading.next()).value as MuxMessage).data, { stream: 'finality', id: 11 });
  // Every stream gapped: nothing to follow, the request itself is refused.
  const refused = await fetch(`${url}/v1/streams/mux?names=blocks,finality&from=1`);
  t.is(refused.status, 410);
  t.is(((await refused.json()) as { code: string }).code, 'STREAM_GAP');
});

test('names are checked: unknown ones are NOT_FOUND, none or too many BAD_SCHEMA', async (t) => {
  const { app, url } = await serve();
  t.teardown(() => app.close());
  const codeOf = async (query: string) => ((await (await fetch(`${url}/v1/streams/mux?${query}`)).json()) as { code: string }).code;
  t.is(await codeOf('names=blocks,nope'), 'NOT_FOUND');
  t.is(await codeOf('names=,'), 'BAD_SCHEMA');
  t.is(await codeOf(`names=${Array.from({ length: 17 }, (_, i) => `jobs/${i}`).join(',')}`), 'BAD_SCHEMA');
  t.is(await codeOf(''), 'BAD_SCHEMA');
});

test('the multiplexed socket counts toward the stream cap, and a reader that stops reading gets SLOW_CONSUMER', async (t) => {
  t.timeout(30_000);
  const { blocks$, app, port, url } = await serve({ connectionsMax: 1, bufferBytesMax: 64 * 1024 });
  t.teardown(() => app.close());
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('GET /v1/streams/mux?names=blocks,finality HTTP/1.1\r\nHost: x\r\n\r\n');
  const chunks: Buffer[] = [];
  await new Promise((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunks.push(chunk))));
  const second = await fetch(`${url}/v1/streams/blocks`);
  t.is(second.status, 503);
  t.is(((await second.json()) as { code: string }).code, 'OVERLOADED');
  socket.pause();
  for (let h = 1; h <= 20_000; h++) {
    blocks$.next(block(h, { padding: 'x'.repeat(2000) }));
    if (h % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const ended = new Promise((resolve) =>
    socket.on('data', (chunk: Buffer) => (chunks.push(chunk), chunk.toString('latin1').endsWith('\r\n0\r\n\r\n') && resolve(null))),
  );
  socket.resume();
  await ended;
  socket.destroy();
  const text = Buffer.concat(chunks).toString('utf8');
  t.true(text.length < 20 * 1024 * 1024, `${text.length} bytes came through`);
  t.regex(
    text,
    /event: error\ndata: \{"code":"SLOW_CONSUMER","message":"The streams blocks,finality were not read fast enough[^\n]*Last-Event-ID blocks=\d+&finality=\d+/,
  );
});

test('value streams ride along: state/<path> sends its current value at once, tagged, beside the event streams', async (t) => {
  const { blocks$, app, url } = await serve();
  t.teardown(() => app.close());
  blocks$.next(block(1));
  const aborter = new AbortController();
  t.teardown(() => aborter.abort());
  const reading = readMux(url, 'names=state/apps,blocks', {}, aborter.signal);
  const first = (await reading.next()).value as MuxMessage;
  t.like(first.data, { stream: 'state/apps', event: 'state', id: 1, data: { path: '/apps', value: null, height: 1 } });
  blocks$.next(block(2));
  t.like(((await reading.next()).value as MuxMessage).data, { stream: 'blocks', id: 2 });
});
