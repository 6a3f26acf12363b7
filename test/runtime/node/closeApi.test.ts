import test from 'ava';
import fastify from 'fastify';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
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

test('given an ended stream whose reader never closes its side, when the API closes, then its connection is closed at once, not cut after the grace', async (t) => {
  const api = fastify();
  api.get('/stream', (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', connection: 'close' });
    reply.raw.end(': the stream ended\n\n');
  });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const { port } = api.server.address() as AddressInfo;
  // A reader that keeps its half of the connection open after the server's end.
  const reader = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  t.teardown(() => reader.destroy());
  const ended = new Promise<void>((resolve) => reader.once('end', resolve));
  reader.on('data', () => {});
  reader.write('GET /stream HTTP/1.1\r\nhost: x\r\n\r\n');
  await ended;
  const warnings: unknown[] = [];
  await closeApi(api, { warn: (...args: unknown[]) => void warnings.push(args) } as never, () => []);
  t.deepEqual(warnings, [], 'closed without waiting out the grace');
});
