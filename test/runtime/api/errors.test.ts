import test from 'ava';
import { connect } from 'node:net';
import { createApi } from '../../../runtime/api/index.ts';
import type { BlockStore } from '../../../runtime/node/blockStore.ts';
import { errorCodes } from '../../../schemas/index.ts';

// Every error the API answers is { code, message } with a code of schemas/errors/codes.ts, also
// those fastify and node's HTTP parser meet before any route runs. A real server on 127.0.0.1.

function api() {
  return createApi({
    bodyBytesMax: 64 * 1024,
    maxBatchTxs: 10,
    maxTxBytes: 4096,
    ingest: { submit: async (texts) => texts.map((_, offset) => ({ hash: 'a'.repeat(64), offset })) },
    blocks: { latest: () => undefined, get: () => undefined } as unknown as BlockStore,
    status: () => ({ ok: true }),
  });
}

async function serve() {
  const app = api();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { app, port, url: `http://127.0.0.1:${port}` };
}

/** Writes raw bytes and reads everything the server answers until it closes the connection. */
function raw(port: number, request: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: Number(text.slice(9, 12)), body: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown> });
    });
    socket.write(request);
  });
}

const isOurs = (body: Record<string, unknown>) =>
  typeof body.code === 'string' &&
  body.code in errorCodes &&
  typeof body.message === 'string' &&
  Object.keys(body).every((k) => ['code', 'message', 'details'].includes(k));

test('a URL whose %-escapes are not UTF-8, or with a part too long to route, is 400 BAD_REQUEST naming the URL', async (t) => {
  const { app, url } = await serve();
  t.teardown(() => app.close());
  for (const path of ['/v1/state/%ED%A0%80', '/v1/tx/%ZZ', '/v1/nothing/%C0']) {
    const response = await fetch(url + path);
    const body = (await response.json()) as Record<string, unknown>;
    t.is(response.status, 400, path);
    t.true(isOurs(body), JSON.stringify(body));
    t.is(body.code, 'BAD_REQUEST');
    t.regex(body.message as string, new RegExp(`^The URL ${path} is not valid: a %-escape`));
  }
  const long = await fetch(`${url}/v1/blocks/${'9'.repeat(150)}`);
  const body = (await long.json()) as Record<string, unknown>;
  t.is(long.status, 400);
  t.like(body, { code: 'BAD_REQUEST' });
  t.regex(body.message as string, /has a part longer than this node reads/);
});

test('bytes that are not HTTP, and headers past the limit, are 400 BAD_REQUEST in our shape', async (t) => {
  const { app, port } = await serve();
  t.teardown(() => app.close());
  const cases: [string, RegExp][] = [
    ['GARBAGE\r\n\r\n', /not valid HTTP\/1\.1 \(HPE_INVALID_METHOD\)/],
    ['GET /v1/status HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', /not valid HTTP\/1\.1/],
    ['POST /v1/tx HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /not valid HTTP\/1\.1/],
    [`GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, /headers are larger than this node accepts/],
  ];
  for (const [request, message] of cases) {
    const { status, body } = await raw(port, request);
    t.is(status, 400, request.slice(0, 30));
    t.true(isOurs(body), JSON.stringify(body));
    t.is(body.code, 'BAD_REQUEST');
    t.regex(body.message as string, message);
  }
});

test('bad bodies and content types keep their codes', async (t) => {
  const { app, url } = await serve();
  t.teardown(() => app.close());
  const post = async (path: string, body: string, type?: string) => {
    const response = await fetch(url + path, { method: 'POST', body, headers: type === undefined ? {} : { 'content-type': type } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  for (const [path, body, type, code] of [
    ['/v1/status', '{', 'application/json', 'BAD_JSON'],
    ['/v1/txs', '[1', 'application/json', 'BAD_JSON'],
    ['/v1/txs', 'x'.repeat(70 * 1024), 'text/plain', 'BATCH_TOO_LARGE'],
    ['/v1/tx', 'x'.repeat(20 * 1024), 'application/json', 'TX_TOO_LARGE'],
  ] as const) {
    const answer = await post(path, body, type);
    t.true(isOurs(answer.body), `${path}: ${JSON.stringify(answer.body)}`);
    t.is(answer.body.code, code, path);
    t.is(answer.status, errorCodes[code].status, path);
  }
});

test('a request that arrives while the server closes is 503 SHUTTING_DOWN in our shape', async (t) => {
  const app = api();
  // A request in flight keeps its connection open through close(), so a second one can follow it.
  let entered!: () => void;
  const inFlight = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let preClosed!: () => void;
  const closing = new Promise<void>((resolve) => (preClosed = resolve));
  app.get('/test/slow', async () => {
    entered();
    await gate;
    return { slow: true };
  });
  app.addHook('preClose', (done) => {
    preClosed();
    done();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  // Once the second request has reached the server (answers keep their order), the first may end.
  app.server.on('request', (request: { url?: string }) => request.url === '/v1/status' && release());
  const { port } = app.server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  const ended = new Promise((resolve) => socket.on('close', resolve));
  socket.write('GET /test/slow HTTP/1.1\r\nHost: x\r\n\r\n');
  await inFlight;
  const closed = app.close();
  await closing;
  socket.write('GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n');
  await ended;
  await closed;
  const text = Buffer.concat(chunks).toString('utf8');
  const second = text.slice(text.indexOf('HTTP/1.1', 10));
  t.regex(second, /^HTTP\/1\.1 503 /);
  const body = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
  t.true(isOurs(body), JSON.stringify(body));
  t.is(body.code, 'SHUTTING_DOWN');
});
