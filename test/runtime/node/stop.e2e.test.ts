import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../../runtime/config/index.ts';
import { startNode } from '../../../runtime/node/index.ts';

test('a request that never ends (a body half sent) does not keep the node from stopping: its connection is cut after the grace', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ain-stop-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = await loadConfig({ flags: { dataDir: dir, port: 0, verifyThreads: 1 } });
  const node = await startNode({ config, logger: pino({ level: 'silent' }) });
  const { port } = new URL(node.url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const cut = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write('POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[{"v":1');
  // The server has the request: its body never comes.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await node.stop(); // before: waited for that request for ever
  await cut;
  t.pass();
});
