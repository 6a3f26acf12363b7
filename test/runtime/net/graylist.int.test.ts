// A peer whose gossip is rejected again and again is graylisted over real libp2p: two nodes on
// 127.0.0.1 in child processes (transportChild.ts), B dialling A, not a direct peer of it.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { startChildPeer, type ChildPeer } from './childPeer.ts';
import type { NetEvent } from './peerUnderTest.ts';

const isSubscribe = (peer: string, topic: string) => (event: NetEvent) =>
  event.event === 'peer' && event.type === 'subscribe' && event.peer === peer && event.topic === topic;
const isValidated = (text: string) => (event: NetEvent) => event.event === 'validated' && event.text === text;

test('the third message of a peer that the validator rejects graylists it: the node says so once (a peer event and a warning), after two it does not', async (t) => {
  t.timeout(120_000); // two child processes' start and stop on a loaded machine; every step waits for an event
  const children: ChildPeer[] = [];
  t.teardown(() => Promise.all(children.map((child) => child.close())));
  const a = await startChildPeer({ name: 'a', seedHex: randomBytes(32).toString('hex') });
  children.push(a);
  const b = await startChildPeer({ name: 'b', seedHex: randomBytes(32).toString('hex'), bootstrap: a.addresses });
  children.push(b);
  const topic = '/test/graylist';
  await a.subscribe(topic);
  await b.subscribe(topic);
  await b.events.waitFor(isSubscribe(a.peerId, topic), 'B to see A subscribe');
  await a.events.waitFor(isSubscribe(b.peerId, topic), 'A to see B subscribe');
  const isGraylisted = (event: NetEvent) => event.event === 'peer' && event.type === 'graylisted' && event.peer === b.peerId;
  for (const n of [1, 2]) {
    await b.publish(topic, `reject: forged ${n}`);
    await a.events.waitFor(isValidated(`reject: forged ${n}`), `A to reject message ${n}`);
  }
  t.is(a.events.count(isGraylisted), 0, 'two rejected messages (-80) are not below the threshold');
  await b.publish(topic, 'reject: forged 3');
  await a.events.waitFor(isGraylisted, 'A to graylist B at its third rejected message');
  t.is(a.events.count(isValidated('reject: forged 3')), 1);
  t.is(a.events.count(isGraylisted), 1);
});
