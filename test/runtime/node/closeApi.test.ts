import test from 'ava';
import fastify from 'fastify';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeApi } from '../../../runtime/node/apiService.ts';

// A node's stop closes its API: a keep-alive connection whose request finishes after the close
// began is closed once idle, so the stop neither waits for its keep-alive timeout nor cuts it.

test('given a keep-alive request answered after the close began, when the API closes, then its idle connection is closed and nothing is cut', async (t) => {
  const api = fastify({ keepAliveTimeout: 60_000 });
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  let arrived!: () => void;
  const hasArrived = new Promise<void>((resolve) => (arrived = resolve));
  api.get('/slow', async () => {
    arrived();
    await answered;
    return { ok: true };
  });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const { port } = api.server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());
  const response = new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/slow', agent }, (res) => (res.resume(), res.on('end', () => resolve(res.statusCode!))))
      .on('error', reject)
      .end();
  });
  await hasArrived;
  const warnings: unknown[] = [];
  const closing = closeApi(api, { warn: (...args: unknown[]) => void warnings.push(args) } as never, () => []);
  answer();
  t.is(await response, 200, 'the request in flight is answered');
  await closing;
  t.deepEqual(warnings, [], 'no connection had to be cut');
});
