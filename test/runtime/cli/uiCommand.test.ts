import test from 'ava';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dashboardUrl, openBrowser } from '../../../runtime/cli/uiCommand.ts';

const run = promisify(execFile);
const ain = join(process.cwd(), 'bin', 'ain.js');

test('the dashboard is the node’s page at /', (t) => {
  t.is(dashboardUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080/');
  t.is(dashboardUrl('http://[::1]:9000/v1'), 'http://[::1]:9000/');
});

test('opening a browser says whether it could, and never throws: no opener, an opener that finds none, one that does', async (t) => {
  t.false(await openBrowser('http://127.0.0.1:1/', { opener: '/nonexistent/xdg-open' }));
  t.false(await openBrowser('http://127.0.0.1:1/', { opener: 'false' }));
  t.true(await openBrowser('http://127.0.0.1:1/', { opener: 'true' }));
});

test('ain ui prints the URL once the node answers (no browser opened off a desktop), and NODE_UNREACHABLE when it does not', async (t) => {
  t.timeout(60_000);
  const server = createServer((_request, response) => response.setHeader('content-type', 'application/json').end('{"chain":"ain-local","height":7}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const { port } = server.address() as { port: number };
  // Off a desktop: nothing is opened unless asked.
  const { DISPLAY: _display, WAYLAND_DISPLAY: _wayland, ...env } = process.env;
  const printed = await run('node', [ain, 'ui', '--node', `http://127.0.0.1:${port}`, '--json'], { env });
  t.like(JSON.parse(printed.stdout), { url: `http://127.0.0.1:${port}/`, chain: 'ain-local', height: 7, opened: false });
  const plain = await run('node', [ain, 'ui', '--node', `http://127.0.0.1:${port}`], { env });
  t.is(plain.stdout, `http://127.0.0.1:${port}/\n`);
  const refused = await run('node', [ain, 'ui', '--node', 'http://127.0.0.1:1']).catch((error: { code: number; stderr: string }) => error);
  t.like(refused, { code: 1 });
  t.regex((refused as { stderr: string }).stderr, /^error NODE_UNREACHABLE/);
});
