import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import test from 'ava';

import { appFiles } from '../../../runtime/deploy/index.ts';
import { isAinError } from '../../../schemas/index.ts';

const own = `${process.platform}-${process.arch}`;
const other = own === 'win32-x64' ? 'darwin-arm64' : 'win32-x64';

/** A small repository: the sources, a production package with prebuilt binaries, a nested one, and a dev-only one. */
async function repository(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'ain-app-files-'));
  const files: Record<string, string> = {
    'package.json': '{"type":"module"}',
    'bin/ain.js': '// cli',
    'runtime/node/node.ts': 'export {};',
    'test/skipped.test.ts': 'not in the image',
    'node_modules/lib/package.json': '{}',
    'node_modules/lib/index.js': 'lib',
    'node_modules/lib/index.d.ts': 'types',
    'node_modules/lib/index.js.map': 'a source map',
    'node_modules/lib/README.md': 'docs',
    'runtime/README.md': 'the sources are kept whole',
    [`node_modules/lib/prebuilds/${own}/lib.node`]: 'ours',
    [`node_modules/lib/prebuilds/${other}/lib.node`]: 'theirs',
    [`node_modules/lib/dist/${other}.dawn.node`]: 'theirs too',
    'node_modules/lib/node_modules/nested/index.js': 'nested',
    'node_modules/@scope/pkg/index.js': 'scoped',
    'node_modules/devonly/index.js': 'dev',
    'dist/runtime/cli/main.js': 'compiled',
    'dist/runtime/node/node.js': 'compiled',
    'dist/test/skipped.test.js': 'compiled, not in the image',
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  const packages = {
    '': { name: 'x' },
    'node_modules/lib': {},
    'node_modules/lib/node_modules/nested': {},
    'node_modules/@scope/pkg': {},
    'node_modules/@scope/absent-optional': { optional: true },
    'node_modules/devonly': { dev: true },
  };
  await writeFile(join(root, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages }));
  return root;
}

test('the sources and the production packages, without dev-only ones or other platforms’ binaries', async (t) => {
  const root = await repository();
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const app = await appFiles(root, 'app');
  const names = app.entries.map((entry) => `${entry.type === 'dir' ? 'd' : 'f'} ${entry.name}`);
  t.is(names[0], 'd app');
  for (const name of [
    'f app/package.json',
    'f app/bin/ain.js',
    'f app/runtime/node/node.ts',
    'f app/runtime/README.md',
    'f app/node_modules/lib/index.js',
    `f app/node_modules/lib/prebuilds/${own}/lib.node`,
  ])
    t.true(names.includes(name), name);
  for (const name of ['index.d.ts', 'index.js.map', 'README.md']) t.false(names.includes(`f app/node_modules/lib/${name}`), `${name}: no node loads it`);
  for (const name of [
    'd app/node_modules',
    'd app/node_modules/@scope',
    'f app/node_modules/@scope/pkg/index.js',
    'f app/node_modules/lib/node_modules/nested/index.js',
  ])
    t.true(names.includes(name), name);
  t.false(
    names.some((name) => name.includes(other) || name.includes('devonly') || name.includes('test/') || name.includes('absent') || name.includes('app/dist')),
    names.join('\n'),
  );
  t.is(names.filter((name) => name === 'd app/node_modules').length, 1, 'each folder once');
  t.deepEqual(app.addons, [join(root, `node_modules/lib/prebuilds/${own}/lib.node`)]);
});

test('the fingerprint is the same for the same files, and changes when one is touched', async (t) => {
  const root = await repository();
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const first = await appFiles(root, 'app');
  t.is((await appFiles(root, 'app')).fingerprint, first.fingerprint);
  const later = new Date(Date.now() + 60_000);
  await utimes(join(root, 'bin/ain.js'), later, later);
  t.not((await appFiles(root, 'app')).fingerprint, first.fingerprint);
});

test('compiled, the JavaScript of dist/ too, without its tests; BAD_CONFIG when it was not built', async (t) => {
  const root = await repository();
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const app = await appFiles(root, 'app', { compiled: true });
  const names = app.entries.map((entry) => `${entry.type === 'dir' ? 'd' : 'f'} ${entry.name}`);
  for (const name of ['d app/dist', 'f app/dist/runtime/cli/main.js', 'f app/dist/runtime/node/node.js', 'f app/runtime/node/node.ts', 'f app/bin/ain.js'])
    t.true(names.includes(name), name);
  t.false(
    names.some((name) => name.includes('test/')),
    names.join('\n'),
  );
  t.not(app.fingerprint, (await appFiles(root, 'app')).fingerprint);
  await rm(join(root, 'dist'), { recursive: true });
  const error = await t.throwsAsync(appFiles(root, 'app', { compiled: true }));
  t.true(isAinError(error, 'BAD_CONFIG'));
  t.regex(error.message, /npm run build/);
});
