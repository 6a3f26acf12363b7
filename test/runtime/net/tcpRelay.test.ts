import test from 'ava';
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { startTcpRelay } from './tcpRelay.ts';

// The test relay on 127.0.0.1 between a client and an echo server: it forwards bytes both ways,
// cuts every connection and refuses new ones while cut, forwards again once restored, holds at most
// connectionsMax connections, and closes with nothing left open.

async function echoServer(t: { teardown(fn: () => unknown): void }): Promise<Server> {
  const server = createServer((socket) => socket.on('error', () => undefined).pipe(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return server;
}

const portOf = (server: Server) => (server.address() as { port: number }).port;

/** Connects, and resolves once connected. */
async function connect(port: number): Promise<Socket> {
  const socket = createConnection({ host: '127.0.0.1', port }).on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

/** Writes `text` and waits for it to come back. */
async function echo(socket: Socket, text: string): Promise<string> {
  let received = '';
  const back = new Promise<string>((resolve) => {
    const onData = (chunk: Buffer) => {
      received += chunk.toString();
      if (received.length < text.length) return;
      socket.off('data', onData);
      resolve(received);
    };
    socket.on('data', onData);
  });
  socket.write(text);
  return back;
}

test('forwards bytes both ways; cut closes every connection and refuses new ones; restore forwards again', async (t) => {
  const server = await echoServer(t);
  const relay = await startTcpRelay({ targetPort: portOf(server) });
  t.teardown(() => relay.close());
  const first = await connect(relay.port);
  const second = await connect(relay.port);
  t.is(await echo(first, 'hello'), 'hello');
  t.is(await echo(second, 'world'), 'world');
  t.is(relay.connections(), 2);
  t.is(relay.accepted(), 2);
  t.is(relay.multiaddr, `/ip4/127.0.0.1/tcp/${relay.port}`);

  const closed = Promise.all([once(first, 'close'), once(second, 'close')]);
  relay.cut();
  await closed;
  t.is(relay.connections(), 0);
  const refused = await connect(relay.port);
  await once(refused, 'close');
  t.is(relay.refused(), 1, 'a connection while cut is closed at once');
  t.is(relay.accepted(), 2);

  relay.restore();
  const after = await connect(relay.port);
  t.is(await echo(after, 'again'), 'again');
  after.destroy();
});

test('over connectionsMax a connection is refused; close leaves nothing open and stops listening', async (t) => {
  const server = await echoServer(t);
  const relay = await startTcpRelay({ targetPort: portOf(server), connectionsMax: 1 });
  const kept = await connect(relay.port);
  t.is(await echo(kept, 'one'), 'one');
  const extra = await connect(relay.port);
  await once(extra, 'close');
  t.is(relay.refused(), 1);
  t.is(await echo(kept, 'still'), 'still', 'the kept connection is untouched');

  const keptClosed = once(kept, 'close');
  await relay.close();
  await keptClosed;
  t.is(relay.connections(), 0);
  const late = createConnection({ host: '127.0.0.1', port: relay.port });
  const [error] = (await once(late, 'error')) as [NodeJS.ErrnoException];
  t.is(error.code, 'ECONNREFUSED');
});

test('a target that is not listening: the client is closed, nothing is left open', async (t) => {
  const server = await echoServer(t);
  const port = portOf(server);
  await new Promise((resolve) => server.close(resolve));
  const relay = await startTcpRelay({ targetPort: port });
  t.teardown(() => relay.close());
  const client = await connect(relay.port);
  await once(client, 'close');
  t.is(relay.connections(), 0);
});
