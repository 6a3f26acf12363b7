import test from 'ava';
import { firstValueFrom, filter } from 'rxjs';
import { createMemoryNetwork, type MemoryNetworkInit, type Packet, type Transport } from '../../../runtime/net/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { transportContract } from './contract.ts';
import { inProcessPeer } from './peerUnderTest.ts';

transportContract('memory', async (count, limits) => {
  const network = createMemoryNetwork({ topology: 'manual' });
  const transports = Array.from({ length: count }, (_, index) => network.createTransport({ limits: limits[index] }));
  const peers = transports.map(inProcessPeer);
  for (const transport of transports) await transport.start();
  for (let index = 1; index < count; index++) network.connect(transports[index - 1]!.peerId, transports[index]!.peerId);
  return { peers, close: async () => void (await Promise.all(transports.map((transport) => transport.stop()))) };
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Started transports of a full network, each subscribed to `topic`, recording what it delivers. */
async function subscribed(init: MemoryNetworkInit, count: number, topic = 't') {
  const network = createMemoryNetwork(init);
  const delivered = new Map<string, string[]>();
  const transports: Transport[] = [];
  for (let index = 0; index < count; index++) {
    const transport = network.createTransport();
    const got: string[] = [];
    delivered.set(transport.peerId, got);
    transport.subscribe(topic, { validate: () => 'accept', onMessage: (bytes) => got.push(decoder.decode(bytes)) });
    await transport.start();
    transports.push(transport);
  }
  return { network, transports, delivered };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('memory: a dropped packet is not delivered; a held one waits until the caller delivers it', async (t) => {
  const faults = (packet: Packet) =>
    packet.kind === 'gossip' && packet.to === 'peer-2' ? 'drop' : packet.kind === 'gossip' && packet.to === 'peer-3' ? 'hold' : 'deliver';
  const { network, transports, delivered } = await subscribed({ faults }, 3);
  await transports[0]!.publish('t', encoder.encode('m1'));
  await settle();
  t.deepEqual(delivered.get('peer-2'), []);
  t.deepEqual(delivered.get('peer-3'), []);
  t.deepEqual(
    network.pending().map((packet) => [packet.kind, packet.to]),
    [['gossip', 'peer-3']],
  );
  network.setFaults(undefined);
  t.true(network.deliver(network.pending()[0]!.id));
  await settle();
  t.deepEqual(delivered.get('peer-3'), ['m1']);
  t.deepEqual(delivered.get('peer-2'), ['m1'], 'peer-3 forwarded it to peer-2 once it arrived');
});

test('memory: a duplicated packet is delivered once (the seen cache)', async (t) => {
  const { transports, delivered } = await subscribed({ faults: (packet) => (packet.kind === 'gossip' ? 'duplicate' : 'deliver') }, 3);
  await transports[0]!.publish('t', encoder.encode('m1'));
  await settle();
  t.deepEqual(delivered.get('peer-2'), ['m1']);
  t.deepEqual(delivered.get('peer-3'), ['m1']);
});

test('memory: with manual delivery the caller chooses the order', async (t) => {
  const { network, transports, delivered } = await subscribed({ delivery: 'manual' }, 2);
  await transports[0]!.publish('t', encoder.encode('first'));
  await transports[0]!.publish('t', encoder.encode('second'));
  const [first, second] = network.pending();
  network.deliver(second!.id);
  network.deliver(first!.id);
  await settle();
  t.deepEqual(delivered.get('peer-2'), ['second', 'first']);
});

test('memory: a partition cuts the links between groups and heal restores them', async (t) => {
  const { network, transports, delivered } = await subscribed({}, 4);
  const [a, b, c] = transports as [Transport, Transport, Transport];
  const cEvents: string[] = [];
  c.peerEvents$.subscribe((event) => cEvents.push(`${event.type} ${event.peer}`));
  network.partition([
    ['peer-1', 'peer-2'],
    ['peer-3', 'peer-4'],
  ]);
  t.deepEqual(a.peers(), ['peer-2']);
  t.deepEqual(cEvents, ['disconnect peer-1', 'disconnect peer-2']);
  await a.publish('t', encoder.encode('during'));
  await settle();
  t.deepEqual(delivered.get('peer-2'), ['during']);
  t.deepEqual(delivered.get('peer-3'), []);
  t.true(isAinError(await t.throwsAsync(a.request('peer-3', '/p', new Uint8Array())), 'NET_UNREACHABLE'));
  network.heal();
  t.deepEqual(b.peers().sort(), ['peer-1', 'peer-3', 'peer-4']);
  t.true(cEvents.includes('connect peer-1') && cEvents.includes('subscribe peer-1'));
  await a.publish('t', encoder.encode('after'));
  await settle();
  t.deepEqual(delivered.get('peer-3'), ['after'], 'what was published during the partition is not resent');
});

test('memory: a dropped request ends in NET_TIMEOUT; a disconnect ends a waiting request with NET_UNREACHABLE', async (t) => {
  const network = createMemoryNetwork({ faults: (packet) => (packet.kind === 'request' ? 'hold' : 'deliver') });
  const [a, b] = [network.createTransport(), network.createTransport()];
  await a.start();
  await b.start();
  await b.handle('/echo', async (bytes) => bytes);
  const timedOut = await t.throwsAsync(a.request('peer-2', '/echo', encoder.encode('x'), { timeoutMs: 20 }));
  t.true(isAinError(timedOut, 'NET_TIMEOUT'), String(timedOut));
  const waiting = a.request('peer-2', '/echo', encoder.encode('y'));
  network.disconnect('peer-1', 'peer-2');
  const cut = await t.throwsAsync(waiting);
  t.true(isAinError(cut, 'NET_UNREACHABLE'), String(cut));
});

test('memory: after stop a transport refuses to publish or ask with NET_STOPPED and its peer events complete', async (t) => {
  const network = createMemoryNetwork();
  const a = network.createTransport();
  await a.start();
  const completed = firstValueFrom(a.peerEvents$.pipe(filter(() => false)), { defaultValue: 'completed' });
  await a.stop();
  await a.stop();
  t.is(await completed, 'completed');
  t.true(isAinError(await t.throwsAsync(a.publish('t', new Uint8Array(1))), 'NET_STOPPED'));
  t.true(isAinError(await t.throwsAsync(a.request('peer-2', '/p', new Uint8Array(1))), 'NET_STOPPED'));
  t.deepEqual(a.addresses(), []);
});

test('memory: the same schedule gives the same deliveries (deterministic)', async (t) => {
  const run = async () => {
    const trace: string[] = [];
    let sent = 0;
    const faults = () => (['deliver', 'duplicate', 'drop', 'deliver', 'hold'] as const)[sent++ % 5]!;
    const { network, transports } = await subscribed(
      { faults, onPacket: (packet, event) => trace.push(`${event} ${packet.id} ${packet.from}>${packet.to}`) },
      4,
    );
    for (let index = 0; index < 6; index++) await transports[index % 4]!.publish('t', encoder.encode(`m${index}`));
    await settle();
    network.deliverAll();
    await settle();
    return trace;
  };
  const first = await run();
  t.true(first.length > 20);
  t.deepEqual(await run(), first);
});

test('memory: a validator or handler that throws is logged, not passed on', async (t) => {
  const network = createMemoryNetwork();
  const [a, b] = [network.createTransport(), network.createTransport()];
  b.subscribe('t', {
    validate: () => {
      throw new Error('validator bug');
    },
    onMessage: () => t.fail('an ignored message is not delivered'),
  });
  await a.start();
  await b.start();
  t.is((await a.publish('t', encoder.encode('x'))).outcome, 'sent');
  await settle();
  t.pass();
});
