// Validators stay connected: two libp2p nodes on 127.0.0.1 (child processes) keep each other as
// direct peers; one is killed and restarted on its port and key, and the other dials it again by
// itself and gossips to it.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { peerIdOfSeed } from '../../../runtime/net/index.ts';
import { freePort } from '../node/nodeProcess.ts';
import { startChildPeer, type ChildPeer } from './childPeer.ts';
import type { NetEvent } from './peerUnderTest.ts';

const children: ChildPeer[] = [];
test.after.always(async () => void (await Promise.all(children.map((child) => child.close()))));

const isPeerEvent = (type: string, peer: string) => (event: NetEvent) => event.event === 'peer' && event.type === type && event.peer === peer;

test('libp2p: a validator killed and restarted is dialled again by its peers, and gossip reaches it', async (t) => {
  const nodes = await Promise.all(
    ['a', 'b'].map(async (name) => {
      const seedHex = randomBytes(32).toString('hex');
      const port = await freePort();
      const peerId = await peerIdOfSeed(new Uint8Array(Buffer.from(seedHex, 'hex')));
      return { name, seedHex, port, address: `/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}`, peerId };
    }),
  );
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const start = async (node: typeof a, other: typeof a) => {
    const child = await startChildPeer({ name: node.name, seedHex: node.seedHex, port: node.port, directPeers: [other.address] });
    children.push(child);
    return child;
  };
  const [childA, childB] = await Promise.all([start(a, b), start(b, a)]);
  t.is(childA.peerId, a.peerId);
  await childA.events.waitFor(isPeerEvent('connect', b.peerId), 'A to connect to B');
  for (const child of [childA, childB]) await child.subscribe('/test/validators');
  await childA.events.waitFor((event) => isPeerEvent('subscribe', b.peerId)(event) && event.topic === '/test/validators', 'A to see B subscribe');

  const beforeCrash = childA.events.all.length;
  await childB.kill();
  await childA.events.waitFor(isPeerEvent('disconnect', b.peerId), 'A to see B go', { since: beforeCrash });
  const restarted = await start(b, a);
  await restarted.subscribe('/test/validators');
  await childA.events.waitFor(isPeerEvent('connect', b.peerId), 'A to connect to the restarted B', { since: beforeCrash });
  await childA.events.waitFor(
    (event) => isPeerEvent('subscribe', b.peerId)(event) && event.topic === '/test/validators',
    'A to see the restarted B subscribe',
    { since: beforeCrash },
  );
  t.is((await childA.publish('/test/validators', 'after the restart')).outcome, 'sent');
  await restarted.events.waitFor((event) => event.event === 'message' && event.text === 'after the restart', 'the restarted B to deliver');
  t.pass();
});
