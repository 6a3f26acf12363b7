import test from 'ava';
import { createMemoryNetwork } from '../../../runtime/net/index.ts';
import { createSeenCache } from '../../../runtime/net/seenCache.ts';

const encoder = new TextEncoder();

test('memory: the seen cache forgets an id after its ttl, so the same bytes can be published again', async (t) => {
  let nowMs = 0;
  const network = createMemoryNetwork({ now: () => nowMs, seenTtlMs: 1_000 });
  const [a, b] = [network.createTransport(), network.createTransport()];
  b.subscribe('t', { validate: () => 'accept', onMessage: () => undefined });
  await a.start();
  await b.start();
  t.is((await a.publish('t', encoder.encode('x'))).outcome, 'sent');
  nowMs = 999;
  t.is((await a.publish('t', encoder.encode('x'))).outcome, 'duplicate');
  nowMs = 1_001;
  t.is((await a.publish('t', encoder.encode('x'))).outcome, 'sent');
});

test('seen cache: holds at most maxEntries ids, the oldest going first', (t) => {
  const cache = createSeenCache({ ttlMs: 60_000, maxEntries: 3, now: () => 0 });
  for (const id of ['a', 'b', 'c', 'd']) t.false(cache.seen(id));
  t.false(cache.has('a'), 'the oldest was evicted');
  t.true(cache.has('b') && cache.has('c') && cache.has('d'));
  t.true(cache.seen('d'));
});
