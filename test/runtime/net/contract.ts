import test, { type ExecutionContext } from 'ava';
import { defaultLimits, maxGossipBytes, type TransportLimits } from '../../../runtime/net/index.ts';
import { PeerCommandError, type NetEvent, type PeerUnderTest } from './peerUnderTest.ts';

/** A network under test: `peers[i]` is connected to `peers[i - 1]` and `peers[i + 1]` only (a line). */
export interface NetworkUnderTest {
  readonly peers: readonly PeerUnderTest[];
  /** Stops what is left and lets go of everything (kills child processes). */
  close(): Promise<void>;
}

/** The last peer's limits are small, so the others can exceed them. */
export const smallLimits: Partial<TransportLimits> = { maxGossipBytes: 1024, maxRequestBytes: 1024, maxResponseBytes: 1024 };

/** Builds a line of `count` connected transports; `limits[i]` are those of peer i. */
export type MakeNetwork = (count: number, limits: readonly (Partial<TransportLimits> | undefined)[]) => Promise<NetworkUnderTest>;

type Delivered = Extract<NetEvent, { event: 'message' }>;
const isMessage =
  (topic: string, text: string) =>
  (event: NetEvent): event is Delivered =>
    event.event === 'message' && event.topic === topic && event.text === text;
const isValidated = (topic: string, text: string) => (event: NetEvent) => event.event === 'validated' && event.topic === topic && event.text === text;
const isSubscribe = (peer: string, topic: string) => (event: NetEvent) =>
  event.event === 'peer' && event.type === 'subscribe' && event.peer === peer && event.topic === topic;
const isConnect = (peer: string) => (event: NetEvent) => event.event === 'peer' && event.type === 'connect' && event.peer === peer;

async function failsWith(t: ExecutionContext, promise: Promise<unknown>, code: string): Promise<void> {
  const error = await t.throwsAsync(promise);
  t.true(error instanceof PeerCommandError, String(error));
  t.is((error as PeerCommandError).code, code, error?.message);
}

/**
 * The contract every `Transport` passes (runtime/net/transport.ts): registers serial ava tests
 * named `${name}: …` over one network of three peers A – B – C built once by `make`. It waits for
 * events the peers report, never for a time.
 */
export function transportContract(name: string, make: MakeNetwork): void {
  let network: NetworkUnderTest | undefined;
  const line = () => {
    const [a, b, c] = network?.peers ?? [];
    if (a === undefined || b === undefined || c === undefined) throw new Error('the network was not built');
    return { a, b, c };
  };
  let topics = 0;
  /** A fresh topic every peer subscribes to, once each sees its neighbours subscribed. */
  async function sharedTopic(): Promise<string> {
    const { a, b, c } = line();
    const topic = `/test/${name}/${++topics}`;
    for (const peer of [a, b, c]) await peer.subscribe(topic);
    await a.events.waitFor(isSubscribe(b.peerId, topic), 'A to see B subscribe');
    await b.events.waitFor(isSubscribe(a.peerId, topic), 'B to see A subscribe');
    await b.events.waitFor(isSubscribe(c.peerId, topic), 'B to see C subscribe');
    await c.events.waitFor(isSubscribe(b.peerId, topic), 'C to see B subscribe');
    return topic;
  }
  /** Publishes a fresh marker from A and waits until B and C deliver it: what A sent before has passed too. */
  async function barrier(topic: string, label: string): Promise<void> {
    const { a, b, c } = line();
    await a.publish(topic, `marker ${label}`);
    await b.events.waitFor(isMessage(topic, `marker ${label}`), `B to deliver marker ${label}`);
    await c.events.waitFor(isMessage(topic, `marker ${label}`), `C to deliver marker ${label}`);
  }

  test.before(async () => {
    network = await make(3, [undefined, undefined, smallLimits]);
    const { a, b, c } = line();
    await a.events.waitFor(isConnect(b.peerId), 'A to connect to B');
    await b.events.waitFor(isConnect(a.peerId), 'B to connect to A');
    await b.events.waitFor(isConnect(c.peerId), 'B to connect to C');
    await c.events.waitFor(isConnect(b.peerId), 'C to connect to B');
  });
  test.after.always(async () => {
    await network?.close();
  });

  test.serial(`${name}: the peers of a line are connected to their neighbours only`, async (t) => {
    const { a, b, c } = line();
    t.deepEqual(await a.peers(), [b.peerId]);
    t.deepEqual((await b.peers()).sort(), [a.peerId, c.peerId].sort());
    t.deepEqual(await c.peers(), [b.peerId]);
  });

  test.serial(`${name}: a message reaches every subscriber exactly once, handed on by the peer it came through`, async (t) => {
    const { a, b, c } = line();
    const topic = await sharedTopic();
    t.deepEqual(await a.subscribers(topic), [b.peerId]);
    const result = await a.publish(topic, 'hello');
    t.is(result.outcome, 'sent');
    t.is(result.recipients, 1);
    t.is((await b.events.waitFor(isMessage(topic, 'hello'), 'B to deliver hello')).from, a.peerId);
    t.is((await c.events.waitFor(isMessage(topic, 'hello'), 'C to deliver hello')).from, b.peerId);
    await barrier(topic, 'once');
    for (const peer of [b, c]) t.is(peer.events.count(isMessage(topic, 'hello')), 1);
    t.is(a.events.count(isMessage(topic, 'hello')), 0, 'a publisher does not deliver its own message');
  });

  test.serial(`${name}: the same bytes published twice go out once; the second publish says duplicate`, async (t) => {
    const { a, b, c } = line();
    const topic = await sharedTopic();
    t.is((await a.publish(topic, 'twice')).outcome, 'sent');
    t.deepEqual(await a.publish(topic, 'twice'), { recipients: 0, outcome: 'duplicate' });
    await barrier(topic, 'twice');
    for (const peer of [b, c]) t.is(peer.events.count(isMessage(topic, 'twice')), 1);
    t.is((await c.publish(topic, 'twice')).outcome, 'duplicate', 'bytes a peer has delivered are a duplicate when it publishes them');
  });

  test.serial(`${name}: 'reject' and 'ignore' are not delivered, and neither is forwarded`, async (t) => {
    const { a, b, c } = line();
    const topic = await sharedTopic();
    await a.publish(topic, 'reject: bad signature');
    await a.publish(topic, 'ignore: stale height');
    await barrier(topic, 'validated');
    t.is((await b.events.waitFor(isValidated(topic, 'reject: bad signature'), 'B to validate the reject')).event, 'validated');
    t.is(b.events.count(isValidated(topic, 'ignore: stale height')), 1);
    for (const peer of [b, c]) {
      t.is(peer.events.count(isMessage(topic, 'reject: bad signature')), 0);
      t.is(peer.events.count(isMessage(topic, 'ignore: stale height')), 0);
    }
    t.is(c.events.count(isValidated(topic, 'reject: bad signature')), 0, 'B did not forward what it rejected');
    t.is(c.events.count(isValidated(topic, 'ignore: stale height')), 0, 'B did not forward what it ignored');
  });

  test.serial(`${name}: 'keep' is delivered and not forwarded`, async (t) => {
    const { a, b, c } = line();
    const topic = await sharedTopic();
    await a.publish(topic, 'keep: from a direct peer');
    t.is((await b.events.waitFor(isMessage(topic, 'keep: from a direct peer'), 'B to deliver what it kept')).from, a.peerId);
    await barrier(topic, 'kept');
    t.is(b.events.count(isMessage(topic, 'keep: from a direct peer')), 1);
    t.is(c.events.count(isValidated(topic, 'keep: from a direct peer')), 0, 'B did not forward what it kept');
  });

  test.serial(`${name}: publishing on a topic no peer subscribes to is not an error`, async (t) => {
    const { a } = line();
    t.deepEqual(await a.publish(`/test/${name}/nobody`, 'anyone?'), { recipients: 0, outcome: 'noPeers' });
  });

  test.serial(`${name}: a request is answered, and the handler knows who asked`, async (t) => {
    const { a, b } = line();
    await b.handle('/test/echo/1', 'echo');
    await b.handle('/test/whoami/1', 'whoami');
    t.deepEqual(await a.request(b.peerId, '/test/echo/1', 'ping'), { bytes: 4, text: 'ping' });
    t.is((await a.request(b.peerId, '/test/whoami/1', '')).text, a.peerId);
  });

  test.serial(`${name}: a served protocol answers the bytes set last, any bytes (the fuzzer's peer answers so)`, async (t) => {
    const { a, b } = line();
    await b.serve('/test/served/1', 'first');
    t.deepEqual(await a.request(b.peerId, '/test/served/1', 'x'), { bytes: 5, text: 'first' });
    await b.serve('/test/served/1', { base64: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') });
    t.is((await a.request(b.peerId, '/test/served/1', 'x')).bytes, 3);
  });

  test.serial(`${name}: a request for a protocol the peer does not serve fails with NET_NO_HANDLER`, async (t) => {
    const { a, b } = line();
    await failsWith(t, a.request(b.peerId, '/test/nothing/1', 'anyone?'), 'NET_NO_HANDLER');
  });

  test.serial(`${name}: a handler that fails gives NET_HANDLER_FAILED, one that refuses gives its code`, async (t) => {
    const { a, b } = line();
    await b.handle('/test/fail/1', 'fail');
    await b.handle('/test/refuse/1', 'refuse');
    await failsWith(t, a.request(b.peerId, '/test/fail/1', 'x'), 'NET_HANDLER_FAILED');
    await failsWith(t, a.request(b.peerId, '/test/refuse/1', 'x'), 'NOT_FOUND');
  });

  test.serial(`${name}: a request not answered in time fails with NET_TIMEOUT, and the peer still answers the next`, async (t) => {
    const { a, b } = line();
    await b.handle('/test/hang/1', 'hang');
    await failsWith(t, a.request(b.peerId, '/test/hang/1', 'wait', 300), 'NET_TIMEOUT');
    t.is((await a.request(b.peerId, '/test/echo/1', 'still there?')).text, 'still there?');
  });

  test.serial(`${name}: a gossip message or request over the sender's own limit is refused before it is sent`, async (t) => {
    const { a, b, c } = line();
    const topic = await sharedTopic();
    await failsWith(t, a.publish(topic, maxGossipBytes + 1), 'NET_TOO_LARGE');
    await failsWith(t, a.request(b.peerId, '/test/echo/1', defaultLimits.maxRequestBytes + 1), 'NET_TOO_LARGE');
    await failsWith(t, c.request(b.peerId, '/test/echo/1', 1025), 'NET_TOO_LARGE');
  });

  test.serial(`${name}: a gossip message over a receiver's limit is dropped there and delivered elsewhere`, async (t) => {
    const { a, b, c } = line();
    const topic = await sharedTopic();
    t.is((await b.publish(topic, 2048)).outcome, 'sent');
    await a.events.waitFor(isMessage(topic, 'x'.repeat(200)), 'A to deliver the 2 KiB message');
    await barrier(topic, 'big');
    t.is(c.events.count(isMessage(topic, 'x'.repeat(200))), 0);
  });

  test.serial(`${name}: a request over the peer's limit, or an answer over the asker's, fails with NET_TOO_LARGE`, async (t) => {
    const { b, c } = line();
    await c.handle('/test/echo/1', 'echo');
    await b.handle('/test/sized/1', 'sized');
    await failsWith(t, b.request(c.peerId, '/test/echo/1', 2048), 'NET_TOO_LARGE');
    await failsWith(t, c.request(b.peerId, '/test/sized/1', '2048'), 'NET_TOO_LARGE');
    t.is((await c.request(b.peerId, '/test/sized/1', '1000')).bytes, 1000, 'an answer within the limit still arrives');
  });

  test.serial(`${name}: a request may take less than the limit: an answer over its own maxAnswerBytes fails with NET_TOO_LARGE`, async (t) => {
    const { a, b } = line();
    await b.handle('/test/sized/1', 'sized');
    await failsWith(t, a.request(b.peerId, '/test/sized/1', '4097', 5_000, 4096), 'NET_TOO_LARGE');
    t.is((await a.request(b.peerId, '/test/sized/1', '4096', 5_000, 4096)).bytes, 4096, 'an answer of exactly the limit arrives');
    t.is((await a.request(b.peerId, '/test/sized/1', '100000')).bytes, 100_000, 'the next request without a limit of its own takes the transport’s');
  });

  test.serial(`${name}: a peer that is not connected cannot be asked: NET_UNREACHABLE`, async (t) => {
    const { a, c } = line();
    await failsWith(t, a.request(c.peerId, '/test/echo/1', 'over B?'), 'NET_UNREACHABLE');
  });

  test.serial(`${name}: stop is clean: the neighbour sees the peer leave and can no longer reach it`, async (t) => {
    const { b, c } = line();
    await c.stop();
    await b.events.waitFor((event) => event.event === 'peer' && event.type === 'disconnect' && event.peer === c.peerId, 'B to see C disconnect');
    t.false((await b.peers()).includes(c.peerId));
    await failsWith(t, b.request(c.peerId, '/test/echo/1', 'gone?', 2_000), 'NET_UNREACHABLE');
  });
}
