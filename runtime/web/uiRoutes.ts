import fastifyStatic from '@fastify/static';
import { transformSync } from 'esbuild';
import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { AinError } from '../../schemas/index.ts';
import { pageModules } from './pageModules.ts';
import { importMap, vendorBrowserFiles } from './vendorFiles.ts';

export interface UiRoutesOptions {
  /** The repository (or installed package) holding `web/`; found from this file when absent. */
  readonly rootDir?: string;
}

/** The folder above this file that holds `web/public/index.html` (the source tree, or the package above dist/). */
export function findRootDir(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'web', 'public', 'index.html'))) return dir;
    if (dirname(dir) === dir) throw new AinError('INTERNAL', `No web/public/index.html above ${from}: the dashboard's files are missing from this install.`);
  }
}

/** Relative imports of a module (`./x.ts`, `../../projections/state/verifyProofBrowser.ts`), type-only ones left out. */
const relativeImports = (text: string) =>
  [...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\bfrom\s*)?['"](\.[^'"]+)['"]/gm)].map((match) => match[1]!);

/**
 * The dashboard at `/`: `web/public` (index.html with its import map, the stylesheet) and the
 * vendored browser modules at `/vendor/` through @fastify/static, and the page's TypeScript
 * modules at `/app/<path from the root>` with their types stripped (esbuild, once per change of
 * the file) — no build step. Only `web/app/main.ts` and what it reaches by relative imports are
 * served (walked at start, and again as a changed module is served); `/` lists them all, and the
 * vendored ones, as `modulepreload` links, so a browser fetches the page in one round of requests.
 */
export async function uiRoutes(app: FastifyInstance, { rootDir = findRootDir() }: UiRoutesOptions = {}): Promise<void> {
  const vendorDir = vendorBrowserFiles(join(rootDir, 'web', 'vendor'));
  // `/` is the route below: index.html with the page's modules listed for preloading.
  await app.register(fastifyStatic, { root: join(rootDir, 'web', 'public'), prefix: '/', wildcard: false, index: false, cacheControl: false });
  await app.register(fastifyStatic, {
    root: vendorDir,
    prefix: '/vendor/',
    decorateReply: false,
    wildcard: false,
    preCompressed: true,
    // The vendored files change only with an npm install; a day of caching spares reloads.
    maxAge: 86_400_000,
  });
  const modules = pageModules(rootDir, 'web/app/main.ts', importMap.imports, vendorDir);
  const reachable = new Set(modules.app);
  const preloads = [...modules.vendor, ...modules.app.map((path) => `/app/${path}`)].map((url) => `    <link rel="modulepreload" href="${url}" />`).join('\n');
  const indexFile = join(rootDir, 'web', 'public', 'index.html');
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(readFileSync(indexFile, 'utf8').replace('</head>', `${preloads}\n  </head>`)),
  );
  const built = new Map<string, { mtimeMs: number; code: Buffer; gzipped: Buffer }>();
  app.get('/app/*', { schema: { hide: true } }, async (request, reply) => {
    const path = normalize((request.params as { '*': string })['*'])
      .split(sep)
      .join('/');
    if (!reachable.has(path)) throw new AinError('NOT_FOUND', `There is no page module ${path} on this node.`);
    const file = join(rootDir, path);
    const { mtimeMs } = statSync(file);
    let module = built.get(path);
    if (module === undefined || module.mtimeMs !== mtimeMs) {
      const source = readFileSync(file, 'utf8');
      for (const spec of relativeImports(source))
        reachable.add(
          relative(rootDir, join(dirname(file), spec))
            .split(sep)
            .join('/'),
        );
      const code = Buffer.from(transformSync(source, { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: path }).code);
      module = { mtimeMs, code, gzipped: gzipSync(code, { level: 9 }) };
      built.set(path, module);
    }
    reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'no-cache').header('vary', 'accept-encoding');
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(module.gzipped);
    return reply.send(module.code);
  });
}
