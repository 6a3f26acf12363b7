// A requester that sends its requests and never closes its side of the streams: the serving
// transport (a child process, real libp2p on 127.0.0.1) resets each stream a handler's time after
// its answer, so the protocol's inbound slots on that connection come free again; held open until
// the connection ended, they would refuse every later request of it.
import type { Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import test from 'ava';
import { until } from '../node/nodeProcess.ts';
import { rawRequesterOf } from './rawRequester.ts';

const protocol = '/ain/test/held/1';
const encoder = new TextEncoder();

test('streams a requester leaves open after their answers are reset, and its next request on the connection is answered', async (t) => {
  t.timeout(60_000);
  const { server, requester, serverId } = await rawRequesterOf(t, { handlerTimeoutMs: 1000, maxInboundRequests: 2 });
  await server.handle(protocol, 'echo');

  // Both of the protocol's slots on this connection, each request written and its stream left open.
  const held: Stream[] = [];
  for (let i = 0; i < 2; i++) {
    const stream = await requester.dialProtocol(serverId, protocol);
    await lpStream(stream).write(encoder.encode(`held ${i}`));
    held.push(stream);
  }
  // Each try is bounded (3 s): one on a connection whose slots are still held fails with a reset at
  // once, but a hung one must not stop `until` from trying again once the server frees them.
  const ask = async (): Promise<string> => {
    const stream = await requester.dialProtocol(serverId, protocol, { signal: AbortSignal.timeout(3000) });
    const lp = lpStream(stream);
    await lp.write(encoder.encode('next'));
    const answer = (await lp.read({ signal: AbortSignal.timeout(3000) })).subarray();
    await stream.close();
    return `${answer[0]}:${new TextDecoder().decode(answer.subarray(1))}`;
  };
  let answered = '';
  await until(async () => {
    answered = await ask().catch((error: unknown) => `refused: ${(error as Error).name}`);
    return !answered.startsWith('refused');
  }, 'a request on the connection whose slots were held to be answered');
  t.is(answered, '0:next', 'the echo, as an answer (status byte 0)');
  // One freed slot is enough for that answer: the other held stream's reset, due a handler's time
  // after its own answer, may still be on its way. A stream never reset fails the test here.
  await until(async () => held.every((stream) => stream.status !== 'open'), 'both held streams to be reset by the server');
});
