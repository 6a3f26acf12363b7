import test from 'ava';
import { Registry } from 'prom-client';
import { createApi, type ApiOptions } from '../../../runtime/api/index.ts';
import { createBlockStore } from '../../../runtime/node/blockStore.ts';

// The document at /openapi.json is generated from the routes as they are added: every route the
// API has is in it (enumerated here by fastify's onRoute, independently of the document), each
// with the zod schemas it validates with, and every reference in it resolves.

/** Every option group, so every route is added; the handlers are not called here. */
const options: ApiOptions = {
  ingest: { submit: async () => [] },
  maxBatchTxs: 10,
  maxTxBytes: 4096,
  bodyBytesMax: 100_000,
  blocks: createBlockStore(),
  status: () => ({}),
  net: () => ({}),
  ledger: { tree: {} } as never,
  waitFinal: async () => {},
  metrics: new Registry(),
  jobs: { ledger: { tree: {} }, readModels: {} } as never,
  ratings: { history: {}, height: () => 0 } as never,
  explain: { chain: {} } as never,
  progress: { ledger: { tree: {} }, hub: {} } as never,
  shards: { ledger: { tree: {} } } as never,
  streams: { hub: {} as never },
  blobs: { store: {} as never },
};

/** A fastify URL as OpenAPI writes it: `/v1/tx/:hash` → `/v1/tx/{hash}`, `/v1/state/*` → `/v1/state/{*}`. */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}');

async function documented() {
  const app = createApi(options);
  const routes: string[] = [];
  // HEAD is fastify's answer to each GET with its headers only: the GET stands for both.
  app.addHook('onRoute', ({ method, url }) => {
    for (const m of [method].flat()) if (m !== 'HEAD') routes.push(`${m} ${openApiPath(url)}`);
  });
  const answer = await app.inject({ method: 'GET', url: '/openapi.json' });
  await app.close();
  const document = answer.json() as { openapi: string; paths: Record<string, Record<string, { summary?: string; tags?: string[] }>>; components: object };
  return { status: answer.statusCode, routes, document };
}

test('every route the API adds is in /openapi.json, with a summary and a tag, and nothing else is', async (t) => {
  const { status, routes, document } = await documented();
  t.is(status, 200);
  t.is(document.openapi, '3.1.0');
  t.true(routes.length >= 25, `the hook saw the routes (${routes.length})`);
  const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  t.deepEqual([...operations].sort(), [...new Set(routes)].sort());
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      t.truthy(operation.summary, `${method} ${path} has a summary`);
      t.is(operation.tags?.length, 1, `${method} ${path} has a tag`);
    }
  }
});

test('the document carries the routes’ zod schemas: parameters, queries, bodies and the error shape, and every $ref resolves', async (t) => {
  const { document } = await documented();
  const text = JSON.stringify(document);
  const refs = new Set([...text.matchAll(/"\$ref":"([^"]+)"/g)].map(([, ref]) => ref!));
  t.true(refs.size >= 3);
  for (const ref of refs) {
    t.regex(ref, /^#\/components\/schemas\/[A-Za-z]+$/);
    t.truthy((document.components as { schemas: Record<string, unknown> }).schemas[ref.split('/').at(-1)!], `${ref} resolves`);
  }
  const tx = document.paths['/v1/tx/{hash}']!.get as unknown as { parameters: { name: string; in: string; schema: { pattern?: string } }[] };
  t.like(tx.parameters[0], { name: 'hash', in: 'path', schema: { pattern: '^[0-9a-f]{64}$' } });
  const blocks = document.paths['/v1/blocks']!.get as unknown as { parameters: { name: string; in: string }[] };
  t.deepEqual(blocks.parameters.map((p) => `${p.in} ${p.name}`).sort(), ['query from', 'query limit', 'query to']);
  const post = document.paths['/v1/tx']!.post as unknown as {
    requestBody: { content: Record<string, { schema: unknown }> };
    responses: Record<string, unknown>;
  };
  t.deepEqual(post.requestBody.content['application/json']!.schema, { $ref: '#/components/schemas/TxInput' });
  t.like(post.responses['4XX'], { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
});

test('a request the schema refuses gets the code and sentence the route gave before it had one', async (t) => {
  const app = createApi(options);
  t.teardown(() => app.close());
  const cases: [string, string][] = [
    ['/v1/blocks/0', 'path field "height": Too small: expected number to be >=1.'],
    ['/v1/blocks?from=1', 'query: give either to or limit.'],
    ['/v1/jobs?limit=0', 'query field "limit": Too small: expected number to be >=1.'],
    ['/v1/tx/abc', 'path field "hash": must be 64 lowercase hex characters (32 bytes).'],
    ['/v1/dashboard?colour=red', 'query: Unrecognized key: "colour".'],
  ];
  for (const [url, message] of cases) {
    const answer = await app.inject({ method: 'GET', url });
    t.is(answer.statusCode, 400, url);
    t.like(answer.json(), { code: 'BAD_SCHEMA', message }, url);
  }
});
