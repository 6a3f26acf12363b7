import test from 'ava';
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { sendError, toAinError } from '../../../runtime/api/errors.ts';
import { findRootDir, importMap, uiRoutes, vendorFiles } from '../../../runtime/web/index.ts';

// The dashboard served by the node: index.html and its import map, the vendored modules, the
// page's TypeScript with its types stripped, and nothing else of the repository.

async function serve() {
  const app = Fastify();
  app.setErrorHandler((error, request, reply) => sendError(reply, toAinError(error, request.routeOptions.url)));
  await app.register(async (scope) => uiRoutes(scope));
  await app.ready();
  return app;
}

test('index.html carries the import map the vendored files are listed with', (t) => {
  const page = readFileSync(`${findRootDir()}/web/public/index.html`, 'utf8');
  const map = JSON.parse(/<script type="importmap">([\s\S]*?)<\/script>/.exec(page)![1]!) as unknown;
  t.deepEqual(map, importMap);
  for (const target of Object.values(importMap.imports)) {
    if (!target.endsWith('/'))
      t.true(
        vendorFiles.some((f) => `/vendor/${f.name}` === target),
        target,
      );
  }
});

test('the node serves the page, the vendored modules (gzipped when asked) and the page modules as JavaScript', async (t) => {
  const app = await serve();
  t.teardown(() => app.close());
  const index = await app.inject({ url: '/' });
  t.is(index.statusCode, 200);
  t.regex(index.body, /<script type="module" src="\/app\/web\/app\/main.ts">/);
  // Every module of the page listed for preloading: one round of requests instead of one per level of imports.
  const preloaded = [...index.body.matchAll(/<link rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1]!);
  for (const url of [
    '/app/web/app/main.ts',
    '/app/web/viewModels/chain.ts',
    '/app/projections/state/hashText.ts',
    '/vendor/preact.mjs',
    '/vendor/noble-hashes/_md.js',
    '/vendor/canonicalize.mjs',
  ]) {
    t.true(preloaded.includes(url), url);
  }
  for (const url of preloaded) t.is((await app.inject({ url })).statusCode, 200, url);
  const preact = await app.inject({ url: '/vendor/preact.mjs', headers: { 'accept-encoding': 'gzip' } });
  t.is(preact.statusCode, 200);
  t.is(preact.headers['content-encoding'], 'gzip');
  t.regex(gunzipSync(preact.rawPayload).toString(), /export\s*\{/);
  const uplot = await app.inject({ url: '/vendor/uplot.mjs' });
  t.regex(uplot.body, /export default uPlot;\s*$/);
  const main = await app.inject({ url: '/app/web/app/main.ts' });
  t.is(main.statusCode, 200);
  t.regex(String(main.headers['content-type']), /^text\/javascript/);
  t.notRegex(main.body, /: Route\b|interface Route/, 'types are stripped');
  t.is((await app.inject({ url: '/app/web/app/explorerView.ts' })).statusCode, 200);
  const proof = await app.inject({ url: '/app/projections/state/verifyProofBrowser.ts' });
  t.is(proof.statusCode, 200);
  for (const url of ['/app/runtime/node/node.ts', '/app/../package.json', '/app/web/app/../../runtime/cli/main.ts', '/vendor/../../package.json']) {
    const refused = await app.inject({ url });
    t.is(refused.statusCode, 404, url);
  }
});
