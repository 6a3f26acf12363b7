import test from 'ava';
import Fastify from 'fastify';
import { connect } from 'node:net';
import { Subject } from 'rxjs';
import { createStateTree } from '../../../projections/index.ts';
import { sendError, toAinError } from '../../../runtime/api/errors.ts';
import { useZodSchemas } from '../../../runtime/api/openApi.ts';
import { streamRoutes } from '../../../runtime/api/streamRoutes.ts';
import type { BlockView } from '../../../runtime/node/blockStore.ts';
import { readStream } from '../../../runtime/client/index.ts';
import { createStreamHub, type StreamBlock } from '../../../runtime/streams/index.ts';

// Server-Sent Events on 127.0.0.1: a reader that stops reading is cut off with SLOW_CONSUMER
// instead of the node buffering without bound; the number of open streams is bounded too.

const view = (height: number): StreamBlock => ({
  view: {
    hash: height.toString(16).padStart(64, '0'),
    header: { height, padding: 'x'.repeat(2000) } as unknown as BlockView['header'],
    txs: [],
    finalized: { height: 0, hash: '0'.repeat(64) },
    jobEvents: [],
    triggers: [],
  },
  readModels: null,
  consensus: { proposalHash: '0'.repeat(64), commit: null, evidence: [], validators: [] },
});

async function serve(options: { bufferBytesMax?: number; connectionsMax?: number }) {
  const blocks$ = new Subject<StreamBlock>();
  const hub = createStreamHub({ blocks$, tree: createStateTree({ owner: '0x' + '1'.repeat(40) }), historyBlocksMax: 100 });
  // Closed with every connection: a keep-alive socket the client still holds must not stall the teardown.
  const app = Fastify({ forceCloseConnections: true });
  app.setErrorHandler((error, _request, reply) => sendError(reply, toAinError(error)));
  streamRoutes(useZodSchemas(app), { hub, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { blocks$, app, port, url: `http://127.0.0.1:${port}` };
}

test('a subscriber that stops reading gets SLOW_CONSUMER and the stream ends; the node holds a bounded amount for it', async (t) => {
  t.timeout(30_000);
  const { blocks$, app, port } = await serve({ bufferBytesMax: 64 * 1024 });
  t.teardown(() => app.close());
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('GET /v1/streams/blocks HTTP/1.1\r\nHost: x\r\n\r\n');
  const chunks: Buffer[] = [];
  // The node answers with its headers once it has subscribed this reader; from then on it reads nothing while the chain goes on.
  await new Promise((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunks.push(chunk))));
  socket.pause();
  for (let h = 1; h <= 20_000; h++) {
    blocks$.next(view(h)); // ~2 KB each: 40 MB if nothing stopped it
    if (h % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  // The response ends with the last chunk of its chunked encoding (the connection may stay open).
  const ended = new Promise((resolve) =>
    socket.on('data', (chunk: Buffer) => (chunks.push(chunk), chunk.toString('latin1').endsWith('\r\n0\r\n\r\n') && resolve(null))),
  );
  socket.resume();
  await ended;
  socket.destroy();
  const text = Buffer.concat(chunks).toString('utf8');
  t.true(text.length < 20 * 1024 * 1024, `${text.length} bytes came through`);
  t.regex(text, /event: error\ndata: \{"code":"SLOW_CONSUMER","message":"The stream blocks was not read fast enough[^\n]*Last-Event-ID \d+/);
});

test('streams past the subscriber limit are OVERLOADED; a closed stream frees its place', async (t) => {
  const { blocks$, app, url } = await serve({ connectionsMax: 1 });
  t.teardown(() => app.close());
  // Block 1 is held for replay, so the first stream's first event says the node has taken its place.
  blocks$.next(view(1));
  const first = new AbortController();
  // The padded headers here are not block headers: the client is asked not to check them.
  const reading = readStream(url, 'blocks', { fromHeight: 1, signal: first.signal, validate: false });
  t.like(await reading.next(), { value: { id: 1 } });
  const second = await fetch(`${url}/v1/streams/blocks`);
  t.is(second.status, 503);
  t.is(((await second.json()) as { code: string }).code, 'OVERLOADED');
  first.abort();
  t.like(await reading.next(), { done: true });
  // The node frees the place once it sees the connection close: wait (bounded) for that, not for a time.
  let status = 503;
  for (let attempt = 0; attempt < 500 && status === 503; attempt++) {
    const third = new AbortController();
    status = (await fetch(`${url}/v1/streams/blocks`, { signal: third.signal })).status;
    third.abort();
    if (status === 503) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.is(status, 200);
});

test('HEAD of a stream is answered at once (no stream to follow), not left hanging', async (t) => {
  const { app, url } = await serve({});
  t.teardown(() => app.close());
  for (const name of ['blocks', 'nodes', 'state/apps']) {
    const response = await fetch(`${url}/v1/streams/${name}`, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    t.is(response.status, 404, name);
  }
});

const hex = (n: number) => n.toString(16).padStart(64, '0');
const validator = '0x' + 'a'.repeat(40);

/** A block of a network whose one validator decided each height, carrying the certificate of the one before. */
const decided = (height: number): StreamBlock => ({
  view: {
    hash: hex(height),
    header: { height, time: 1000 * height, proposer: validator } as BlockView['header'],
    txs: [],
    finalized: { height: height - 1, hash: hex(height - 1) },
    jobEvents: [],
    triggers: [],
  },
  readModels: null,
  consensus: {
    proposalHash: hex(1000 + height),
    commit:
      height === 1
        ? null
        : { height: height - 1, round: height % 3, hash: hex(999 + height), signers: [{ address: validator, power: 10n }], power: 10n, total: 10n },
    evidence: [],
    validators: [],
  },
});

test('the consensus stream over SSE: ?from= replays every block with the certificate it carries, then live; Last-Event-ID resumes after', async (t) => {
  const { blocks$, app, url } = await serve({});
  t.teardown(() => app.close());
  for (let h = 1; h <= 5; h++) blocks$.next(decided(h));
  const aborter = new AbortController();
  t.teardown(() => aborter.abort());
  // Each event is checked against ConsensusEvent by the client.
  const reading = readStream(url, 'consensus', { fromHeight: 2, signal: aborter.signal });
  const got: { id: number; data: { height: number; proposer: string; proposal: string; commit: { height: number; round: number; hash: string } | null } }[] =
    [];
  for (let i = 0; i < 4; i++) {
    if (i === 3) blocks$.next(decided(6)); // live, after the replay
    const { value } = await reading.next();
    got.push(value as (typeof got)[number]);
  }
  t.deepEqual(
    got.map((e) => e.id),
    [2, 3, 4, 5],
  );
  for (const { id, data } of got) {
    t.like(data, { height: id, proposer: validator, proposal: hex(1000 + id), commit: { height: id - 1, round: id % 3, hash: hex(999 + id) } });
  }
  t.like((await reading.next()).value, { id: 6, event: 'consensus' });
  aborter.abort();

  const resumed = new AbortController();
  t.teardown(() => resumed.abort());
  const again = readStream(url, 'consensus', { lastEventId: 4, signal: resumed.signal });
  t.like((await again.next()).value, { id: 5, data: { commit: { height: 4 } } });
  t.like((await again.next()).value, { id: 6 });
});
