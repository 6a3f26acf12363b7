import test from 'ava';
import { connect } from 'node:net';
import { createApi } from '../../../runtime/api/index.ts';
import { createBlockStore } from '../../../runtime/node/blockStore.ts';
import { createProcessChains } from '../../../runtime/node/index.ts';
import { createChain, devGenesis } from '../../../actors/index.ts';
import { key } from '../../actors/ledger/chain.ts';

/** An API with no chain behind it but what `extra` adds. */
const bareApi = (extra: Partial<Parameters<typeof createApi>[0]> = {}) =>
  createApi({
    ingest: { submit: async () => [] },
    maxBatchTxs: 10,
    maxTxBytes: 4096,
    bodyBytesMax: 100_000,
    blocks: createBlockStore(),
    status: () => ({}),
    ...extra,
  });

// HTTP that the server cannot even parse still gets an answer in ain's shape, `{ code, message }`.
async function serve() {
  const app = bareApi();
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: (app.server.address() as { port: number }).port };
}

function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let answer = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve(answer) : reject(error)));
  });
}

const parse = (answer: string) => ({
  status: Number(answer.split(' ')[1]),
  body: JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { code: string; message: string },
});

test('headers past what the server reads, and a malformed request, are BAD_REQUEST (400), as { code, message }', async (t) => {
  const { app, port } = await serve();
  t.teardown(() => app.close());
  const big = parse(await raw(port, `GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
  t.is(big.status, 400);
  t.is(big.body.code, 'BAD_REQUEST');
  t.regex(big.body.message, /headers/);
  const malformed = parse(await raw(port, 'GET /v1/status HTTP/1.1\r\nHost x\r\n\r\n'));
  t.is(malformed.status, 400);
  t.is(malformed.body.code, 'BAD_REQUEST');
});

test('?shard= names the chain a request is for: this node’s own is served, another this process serves answers for itself, any other is UNKNOWN_SHARD', async (t) => {
  const child = bareApi({
    shard: { path: '/apps/x' },
    shards: { ledger: createChain({ genesis: devGenesis(key(1).address, { chain: 'ain-test', shard: '/apps/x' }) }).ledger },
    status: () => ({ shard: '/apps/x' }),
  });
  await child.ready();
  t.teardown(() => child.close());
  const chains = createProcessChains();
  chains.join('/apps/x', child);
  const root = bareApi({ status: () => ({ shard: '/' }), chains });
  t.teardown(() => root.close());
  const get = async (url: string) => {
    const answer = await root.inject({ method: 'GET', url });
    return { status: answer.statusCode, body: answer.json<Record<string, unknown>>() };
  };
  t.like(await get('/v1/status'), { status: 200, body: { shard: '/' } });
  t.like(await get('/v1/status?shard=/'), { status: 200, body: { shard: '/' } });
  t.like(await get('/v1/status?shard=/apps/x'), { status: 200, body: { shard: '/apps/x' } });
  t.like(await get('/v1/shards?limit=5&shard=/apps/x'), { status: 200 }, 'a strict query takes the shard beside its own fields');
  t.like(await get('/v1/shards?limit=5&bogus=1&shard=/apps/x'), { status: 400, body: { code: 'BAD_SCHEMA' } }, 'and nothing else unknown');
  t.like(await get('/v1/status?shard=/apps/x&shard=/'), { status: 400, body: { code: 'BAD_SCHEMA' } }, 'given twice');
  const unknown = await get('/v1/status?shard=/apps/y');
  t.like(unknown, { status: 404, body: { code: 'UNKNOWN_SHARD' } });
  t.regex(unknown.body.message as string, /keeps shard \/, not \/apps\/y/);
  t.throws(() => chains.join('/apps/x', child), { message: /serves shard \/apps\/x already/ });
});
