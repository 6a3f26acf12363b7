import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { missingProcessFlags } from '../../../runtime/cli/nodeCommand.ts';
import { nodeProcessFlags } from '../../../runtime/config/index.ts';

// The checkout's root (the compiled tests run from dist/, so not relative to this file).
const root = process.cwd();

// V8 takes these only on its command line: each way a node is started by hand passes them itself.
test('bin/ain.js starts node with the node process flags when run as a program', async (t) => {
  const shebang = (await readFile(join(root, 'bin', 'ain.js'), 'utf8')).split('\n')[0];
  t.is(shebang, `#!/usr/bin/env -S node ${nodeProcessFlags.join(' ')}`);
});

test('npm start runs ain up with the node process flags', async (t) => {
  const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  t.is(scripts.start, `node ${nodeProcessFlags.join(' ')} bin/ain.js up`);
});

test('a node process lacks the flags given neither on its command line nor in NODE_OPTIONS', (t) => {
  t.deepEqual(missingProcessFlags([], undefined), [...nodeProcessFlags]);
  t.deepEqual(missingProcessFlags(['--import=tsx', ...nodeProcessFlags]), []);
  t.deepEqual(missingProcessFlags([], ` --inspect ${nodeProcessFlags.join(' ')} `), []);
  t.deepEqual(missingProcessFlags(['--max-semi-space-size=16']), [...nodeProcessFlags], 'another size is not the one a node runs with');
});
