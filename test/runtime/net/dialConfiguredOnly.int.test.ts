// Announce addresses and dialConfiguredOnly over real libp2p: B listens on one port and announces
// relay R2 to it; A is configured with relay R1 to B. Both relays forward to B's port, so which
// relay carries a connection says which address A dialled. Once R1 is cut, an A that dials what
// it learned reconnects through R2 (the address B announced); an A with dialConfiguredOnly does
// not, and comes back through R1 once it is restored.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { peerIdOfSeed } from '../../../runtime/net/index.ts';
import { freePort, until } from '../node/nodeProcess.ts';
import { startChildPeer, type ChildPeer } from './childPeer.ts';
import type { NetEvent } from './peerUnderTest.ts';
import { startTcpRelay, type TcpRelay } from './tcpRelay.ts';

/** Dials of A that R1 refuses, while cut, before the test holds that A dialled nothing else: the peer keeper redials each second. */
const refusedDialsMin = 3;

const topic = '/test/sentry';

const isPeerEvent = (type: string, peer: string) => (event: NetEvent) => event.event === 'peer' && event.type === type && event.peer === peer;

interface Setup {
  readonly a: ChildPeer;
  readonly b: ChildPeer;
  readonly r1: TcpRelay;
  readonly r2: TcpRelay;
}

async function setUp(t: { teardown(fn: () => unknown): void }, dialConfiguredOnly: boolean): Promise<Setup> {
  const seedHex = randomBytes(32).toString('hex');
  const bPeerId = await peerIdOfSeed(new Uint8Array(Buffer.from(seedHex, 'hex')));
  const bPort = await freePort();
  const [r1, r2] = await Promise.all([startTcpRelay({ targetPort: bPort }), startTcpRelay({ targetPort: bPort })]);
  t.teardown(() => Promise.all([r1.close(), r2.close()]));
  const b = await startChildPeer({ name: 'b', seedHex, port: bPort, announce: [r2.multiaddr] });
  t.teardown(() => b.close());
  const a = await startChildPeer({ name: 'a', seedHex: randomBytes(32).toString('hex'), bootstrap: [`${r1.multiaddr}/p2p/${bPeerId}`], dialConfiguredOnly });
  t.teardown(() => a.close());
  return { a, b, r1, r2 };
}

/** A connects to B through R1 and learns what B announces; R1 is cut and A sees B go. Returns where A's events stood after the cut. */
async function connectThenCut({ a, b, r1, r2 }: Setup): Promise<number> {
  await b.subscribe(topic);
  // Gossipsub opens its stream once identify is done, so B's subscription reaching A says A has learned B's announce address.
  await a.events.waitFor((event) => isPeerEvent('subscribe', b.peerId)(event) && event.topic === topic, 'A to see B subscribe through R1');
  if (r2.accepted() !== 0) throw new Error('A dialled the announced address while the configured one worked');
  const beforeCut = a.events.all.length;
  r1.cut();
  await a.events.waitFor(isPeerEvent('disconnect', b.peerId), 'A to see B go when R1 is cut', { since: beforeCut });
  return beforeCut;
}

test('libp2p: a node announces the addresses of its config, and a peer that dials learned addresses reconnects through them', async (t) => {
  const setup = await setUp(t, false);
  const { a, b, r2 } = setup;
  t.deepEqual(b.addresses, [`${r2.multiaddr}/p2p/${b.peerId}`], 'B gives its announce address, not its listen address');
  const afterCut = await connectThenCut(setup);
  await a.events.waitFor(isPeerEvent('connect', b.peerId), 'A to reconnect to B at the address B announced', { since: afterCut });
  t.true(r2.accepted() >= 1, 'the reconnection went through R2');
});

test('libp2p: with dialConfiguredOnly a node never dials an address it learned; it reconnects at its configured one once that works again', async (t) => {
  const setup = await setUp(t, true);
  const { a, b, r1, r2 } = setup;
  const afterCut = await connectThenCut(setup);
  await until(async () => r1.refused() >= refusedDialsMin, `A to dial R1 ${refusedDialsMin} times while it is cut`, 30_000);
  t.is(
    a.events.count((event) => isPeerEvent('connect', b.peerId)(event)),
    1,
    'no reconnection while R1 is cut',
  );
  t.is(r2.accepted(), 0, 'A never dialled the address B announced');
  t.deepEqual(await a.peers(), []);

  r1.restore();
  await a.events.waitFor(isPeerEvent('connect', b.peerId), 'A to reconnect to B through R1 once restored', { since: afterCut });
  t.true(r1.connections() >= 1, 'through R1');
  t.is(r2.accepted(), 0);
});
