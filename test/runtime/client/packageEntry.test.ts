import test from 'ava';
import type * as Entry from 'ain/client';
import * as sources from '../../../runtime/client/index.ts';

// `ain/client` by its package name, as a program that installed ain imports it: package.json's
// "exports" sends TypeScript to runtime/client's sources (the `Entry` type above) and node to
// the compiled dist/runtime/client/index.js, which `npm run build` (and `prepare`) write.
test('ain/client resolves by package name to the client, with every export of runtime/client', async (t) => {
  let entry: typeof Entry;
  try {
    entry = (await import('ain/client')) as typeof Entry;
  } catch (error) {
    t.fail(`import('ain/client') failed: ${(error as Error).message}; run "npm run build" first, it compiles dist/ that the entry points to`);
    return;
  }
  t.deepEqual(Object.keys(entry).sort(), Object.keys(sources).sort());
  const error = t.throws(() => entry.createClient({ url: 'not a url' }));
  t.is((error as { code?: string }).code, 'BAD_SCHEMA');
  const client = entry.createClient({ url: 'http://127.0.0.1:1' });
  t.is(client.url, 'http://127.0.0.1:1');
  t.is(typeof client.getState, 'function');
});
