import test from 'ava';
import { pino } from 'pino';
import { sha256Hex } from '../../../log/index.ts';
import { createRecordsExchange, refsPerRequest } from '../../../runtime/consensus/recordsExchange.ts';
import { createMemoryNetwork, protocolOf } from '../../../runtime/net/index.ts';

// The other half of compact proposals: a validator asks its peers for the records of a proposal
// its mempool lacks, by the SHA-256 of each record; only a record that hashes to its ref counts.

const logger = pino({ level: 'silent' });
const record = (i: number) => JSON.stringify({ tx: i, pad: 'x'.repeat(200) });

/**
 * A node per entry on one network: the records it holds, 'liar' for one that answers every ref
 * with a record of its own, or 'silent' for one that never answers.
 */
async function peers(t: { teardown(fn: () => unknown): void }, holdings: readonly (readonly string[] | 'liar' | 'silent')[]) {
  const net = createMemoryNetwork();
  const exchanges = [];
  for (const held of holdings) {
    const transport = net.createTransport();
    const byRef = new Map(typeof held === 'string' ? [] : held.map((text) => [sha256Hex(text), text]));
    const textOf = (ref: string) => (held === 'liar' ? record(999) : byRef.get(ref));
    const exchange = createRecordsExchange({ logger, chain: 'ain-local', shard: '/', transport, textOf });
    await exchange.start();
    if (held === 'silent') {
      await transport.handle(
        protocolOf('ain-local', '/', 'records'),
        (_bytes, _from, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))),
      );
    }
    await transport.start();
    t.teardown(async () => {
      await exchange.stop();
      await transport.stop();
    });
    exchanges.push({ transport, exchange });
  }
  return exchanges;
}

test('records are fetched by ref from whichever peers hold them; refs no peer holds stay missing', async (t) => {
  const [asker, first, second] = await peers(t, [[], [record(1)], [record(2), record(1)]]);
  const refs = [record(1), record(2), record(3)].map((text) => sha256Hex(text));
  const got = await asker!.exchange.fetch(refs, first!.transport.peerId);
  t.is(got.get(refs[0]!), record(1));
  t.is(got.get(refs[1]!), record(2));
  t.false(got.has(refs[2]!));
  t.truthy(second, 'the second holds both');
});

test('a peer answering other bytes for a ref is not believed: the next peer is asked', async (t) => {
  const [asker, liar] = await peers(t, [[], 'liar', [record(1)]]);
  const ref = sha256Hex(record(1));
  const got = await asker!.exchange.fetch([ref], liar!.transport.peerId);
  t.is(got.get(ref), record(1), 'from the honest peer, after the liar');
});

test('a request is answered for at most refsPerRequest refs; the asker splits longer lists', async (t) => {
  const texts = Array.from({ length: refsPerRequest + 5 }, (_, i) => record(i));
  const [asker, holder] = await peers(t, [[], texts]);
  const refs = texts.map((text) => sha256Hex(text));
  const got = await asker!.exchange.fetch(refs, holder!.transport.peerId);
  t.is(got.size, refs.length);
  const tooMany = JSON.stringify({ refs: [...refs, ...refs].slice(0, refsPerRequest + 1) });
  await t.throwsAsync(asker!.transport.request(holder!.transport.peerId, protocolOf('ain-local', '/', 'records'), new TextEncoder().encode(tooMany)));
});

test('a peer that never answers costs one request’s wait: the next peer is asked after it', async (t) => {
  const [asker, silent, holder] = await peers(t, [[], 'silent', [record(1)]]);
  const ref = sha256Hex(record(1));
  const got = await asker!.exchange.fetch([ref, sha256Hex(record(2))], silent!.transport.peerId);
  t.is(got.get(ref), record(1), 'from the holder, after the silent peer’s timeout');
  t.truthy(holder);
});

test('a fetch stops when its signal aborts', async (t) => {
  const [asker, silent] = await peers(t, [[], 'silent']);
  const stop = new AbortController();
  const fetching = asker!.exchange.fetch([sha256Hex(record(1))], silent!.transport.peerId, stop.signal);
  stop.abort();
  t.is((await fetching).size, 0);
});
