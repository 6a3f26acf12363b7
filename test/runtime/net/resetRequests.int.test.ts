// A requester that resets each stream right after its request: the serving transport (a child
// process, real libp2p on 127.0.0.1) stops the handler too. libp2p counts open streams, so the
// handlers of reset streams ran on, each one's work unbounded in number (an attacker's probe:
// blob requests reset at once took a node from 200 MiB to 2.5 GB in 20 s); and a peer's requests
// at work on a protocol are bounded by the handlers running, not by its streams open.
import { lpStream } from '@libp2p/utils';
import test from 'ava';
import { until } from '../node/nodeProcess.ts';
import { rawRequesterOf } from './rawRequester.ts';

const hang = '/ain/test/hang/1';
const count = '/ain/test/hanging/1';
const stubborn = '/ain/test/stubborn/1';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

test('a request whose stream is reset stops its handler; past its limit a peer’s requests at work are refused OVERLOADED', async (t) => {
  t.timeout(60_000);
  const { server, requester, serverId } = await rawRequesterOf(t, { handlerTimeoutMs: 60_000, maxInboundRequests: 2 });
  await server.handle(hang, 'hang');
  await server.handle(count, 'hanging');

  /** A request's answer frame: its status byte and text. */
  const ask = async (protocol: string, reset = false): Promise<string> => {
    const stream = await requester.dialProtocol(serverId, protocol, { signal: AbortSignal.timeout(5000) });
    const lp = lpStream(stream);
    await lp.write(encoder.encode('x'));
    if (reset) {
      stream.abort(new Error('gone'));
      return '';
    }
    const answer = (await lp.read({ signal: AbortSignal.timeout(5000) })).subarray();
    await stream.close();
    return `${answer[0]}:${decoder.decode(answer.subarray(1))}`;
  };
  /** How many `hang` handlers of the server wait, and how many `stubborn` ones started. */
  const countsNow = async () => (await ask(count)).split(':')[1]!.split(' ').map(Number) as [number, number];

  // Ten requests reset at once, two at a time (the protocol's open streams): each handler stops.
  for (let i = 0; i < 10; i++) {
    await ask(hang, true);
    await until(async () => (await countsNow())[0] === 0, `the handler of reset request ${i} to stop`, 10_000);
  }
  // A handler that goes on though its asker left still counts: with two such at work, the peer's next request of the protocol is refused.
  await server.handle(stubborn, 'stubborn');
  for (const started of [1, 2]) {
    const stream = await requester.dialProtocol(serverId, stubborn);
    await lpStream(stream).write(encoder.encode('x'));
    await until(async () => (await countsNow())[1] === started, `stubborn handler ${started} to start`, 10_000);
    stream.abort(new Error('gone'));
  }
  const refused = await ask(stubborn);
  t.regex(refused, /OVERLOADED.*works on at most 2 requests of one peer for \/ain\/test\/stubborn\/1 at once/);
  t.deepEqual(await countsNow(), [0, 2], 'another protocol is answered; the third stubborn request never reached its handler');
});
