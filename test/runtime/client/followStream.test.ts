import test from 'ava';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { followStream } from '../../../runtime/client/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import type { StreamEvent } from '../../../schemas/index.ts';

// followStream against a scripted SSE server: each connection gets the next script, which sees
// the request (for its Last-Event-ID) and writes frames or an error answer.

type Script = (request: IncomingMessage, response: ServerResponse) => void;

async function fakeNode(scripts: Script[]) {
  const seen: { lastEventId: string | undefined; url: string }[] = [];
  const server = createServer((request, response) => {
    seen.push({ lastEventId: request.headers['last-event-id'] as string | undefined, url: request.url! });
    const script = scripts[seen.length - 1];
    if (script === undefined) {
      response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'OVERLOADED', message: 'no more scripts' }));
      return;
    }
    script(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

const open = (response: ServerResponse) => response.writeHead(200, { 'content-type': 'text/event-stream' }).write(': hello\n\n');
const frame = (id: number, data: unknown = { height: id }) => `id: ${id}\nevent: block\ndata: ${JSON.stringify(data)}\n\n`;

// The scripts send small stand-ins for block events: what is checked here is resuming, not their shape.
async function take(url: string, name: string, count: number, options: { fromHeight?: number; validate?: boolean } = {}) {
  const aborter = new AbortController();
  const got: StreamEvent[] = [];
  const retries: number[] = [];
  for await (const event of followStream(url, name, {
    validate: false,
    ...options,
    signal: aborter.signal,
    backoffMsMin: 5,
    onRetry: (_e, attempt) => retries.push(attempt),
  })) {
    got.push(event);
    if (got.length === count) break;
  }
  return { got, retries };
}

test('a dropped stream is resumed with Last-Event-ID of the last event: nothing missed, nothing twice', async (t) => {
  const node = await fakeNode([
    (_request, response) => {
      open(response);
      response.write(frame(4) + frame(7));
      setTimeout(() => response.socket!.destroy(), 20); // the connection drops mid-stream
    },
    (_request, response) => {
      open(response);
      // A node resuming a value stream sends the value of the last block again: it is skipped.
      response.write(frame(7, { again: true }) + frame(8) + frame(9));
    },
  ]);
  t.teardown(node.close);
  const { got, retries } = await take(node.url, 'blocks', 3, { fromHeight: 4 });
  t.deepEqual(
    got.map((e) => e.id),
    [4, 7, 8],
  );
  t.deepEqual(got[1]!.data, { height: 7 });
  t.deepEqual(node.seen, [
    { lastEventId: undefined, url: '/v1/streams/blocks?from=4' },
    { lastEventId: '7', url: '/v1/streams/blocks' },
  ]);
  t.deepEqual(retries, [1]);
});

test('a stream the node ends, or a node that is busy for a while, is reconnected with backoff', async (t) => {
  const busy: Script = (_request, response) =>
    response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'OVERLOADED', message: 'busy' }));
  const node = await fakeNode([
    (_request, response) => (open(response), response.end(frame(1))),
    busy,
    busy,
    (_request, response) => (open(response), response.write(frame(2))),
  ]);
  t.teardown(node.close);
  const { got, retries } = await take(node.url, 'blocks', 2);
  t.deepEqual(
    got.map((e) => e.id),
    [1, 2],
  );
  t.deepEqual(retries, [1, 2, 3]);
  t.deepEqual(
    node.seen.map((s) => s.lastEventId),
    [undefined, '1', '1', '1'],
  );
});

test('refusals another try cannot fix (unknown stream, a height the node no longer holds) are thrown at once', async (t) => {
  for (const code of ['NOT_FOUND', 'STREAM_GAP']) {
    const node = await fakeNode([
      (_request, response) => response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code, message: `${code} here` })),
    ]);
    const error = await t.throwsAsync(take(node.url, 'nope', 1));
    t.true(isAinError(error, code as 'NOT_FOUND'), String(error));
    t.is(node.seen.length, 1, 'no retry');
    await node.close();
  }
});

test('after attemptsMax failed reconnects in a row it gives up with the last failure', async (t) => {
  const node = await fakeNode([]);
  t.teardown(node.close);
  const aborter = new AbortController();
  const follow = followStream(node.url, 'blocks', { signal: aborter.signal, attemptsMax: 3, backoffMsMin: 1 });
  const error = await t.throwsAsync(follow.next());
  t.true(isAinError(error, 'OVERLOADED'));
  t.is(node.seen.length, 4, 'the first try and three reconnects');
});

test('aborting ends the stream quietly, also while it waits for an event', async (t) => {
  const node = await fakeNode([(_request, response) => open(response)]);
  t.teardown(node.close);
  const aborter = new AbortController();
  const follow = followStream(node.url, 'blocks', { signal: aborter.signal });
  setTimeout(() => aborter.abort(), 50);
  t.deepEqual(await follow.next(), { done: true, value: undefined });
});

test('a stream that goes silent (no event, no heartbeat) is dropped and resumed after its last event, while one that only sends heartbeats is kept', async (t) => {
  const node = await fakeNode([
    (_request, response) => {
      open(response);
      response.write(frame(4)); // then nothing: a connection that died without closing
    },
    (_request, response) => {
      open(response);
      // Heartbeats only, 50 ms apart for 1.5 × idleMs in all, then an event: the connection is kept.
      let beats = 0;
      const beat = setInterval(() => {
        response.write(': keep-alive\n\n');
        if (++beats === 30) {
          clearInterval(beat);
          response.write(frame(5));
        }
      }, 50);
    },
  ]);
  t.teardown(node.close);
  const aborter = new AbortController();
  const got: number[] = [];
  const reasons: string[] = [];
  for await (const event of followStream(node.url, 'blocks', {
    fromHeight: 4,
    signal: aborter.signal,
    backoffMsMin: 5,
    idleMs: 1000,
    validate: false,
    onRetry: (e) => reasons.push(isAinError(e) ? e.code : String(e)),
  })) {
    got.push(event.id);
    if (got.length === 2) break;
  }
  t.deepEqual(got, [4, 5]);
  t.deepEqual(reasons, ['NODE_UNREACHABLE'], 'one reconnect, for the silent connection');
  t.deepEqual(
    node.seen.map((s) => s.lastEventId),
    [undefined, '4'],
  );
});

test('events are checked against their schema: a malformed one is BAD_STREAM_EVENT, naming the field, and is not retried', async (t) => {
  const finality = (id: number, hash: unknown) =>
    `id: ${id}\nevent: finality\ndata: ${JSON.stringify({ height: id, finalized: { height: id - 1, hash } })}\n\n`;
  const node = await fakeNode([(_request, response) => (open(response), response.write(finality(2, 'a'.repeat(64)) + finality(3, 42)))]);
  t.teardown(node.close);
  const aborter = new AbortController();
  const got: StreamEvent[] = [];
  const error = await t.throwsAsync(async () => {
    for await (const event of followStream(node.url, 'finality', { signal: aborter.signal, backoffMsMin: 1 })) got.push(event);
  });
  t.deepEqual(
    got.map((e) => e.id),
    [2],
    'the well-formed event is yielded',
  );
  t.true(isAinError(error, 'BAD_STREAM_EVENT'), String(error));
  t.regex(error!.message, /finality event \(id 3\).*"finalized\.hash"/);
  t.is(node.seen.length, 1, 'no retry: the node would send it again');
});

test('an event of a kind no stream sends is BAD_STREAM_EVENT', async (t) => {
  const node = await fakeNode([(_request, response) => (open(response), response.write('id: 1\nevent: surprise\ndata: {}\n\n'))]);
  t.teardown(node.close);
  const error = await t.throwsAsync(take(node.url, 'blocks', 1, { validate: true }));
  t.true(isAinError(error, 'BAD_STREAM_EVENT'), String(error));
  t.regex(error!.message, /unknown kind "surprise"/);
});

test('a worker’s progress at the height of the events before it (an idle chain) is yielded, each one, and resuming still starts after the last block event', async (t) => {
  const progress = (id: number, fraction: number) => `id: ${id}\nevent: progress\ndata: ${JSON.stringify({ fraction })}\n\n`;
  const node = await fakeNode([
    (_request, response) => {
      open(response);
      response.write(frame(12) + progress(12, 0.25) + progress(12, 0.5));
      setTimeout(() => response.socket!.destroy(), 20);
    },
    (_request, response) => {
      open(response);
      response.write(progress(12, 0.75) + frame(13));
    },
  ]);
  t.teardown(node.close);
  const { got } = await take(node.url, 'requests/x', 5);
  t.deepEqual(
    got.map((e) => [e.event, e.id]),
    [
      ['block', 12],
      ['progress', 12],
      ['progress', 12],
      ['progress', 12],
      ['block', 13],
    ],
  );
  t.is(node.seen[1]!.lastEventId, '12');
});
