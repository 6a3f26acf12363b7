import test from 'ava';
import { signTx } from '../../../log/index.ts';
import { bandwidthRefusal } from '../../../runtime/ingest/index.ts';
import { TestChain } from '../../actors/ledger/chain.ts';
import { codesOf, keyOf, openTestMempool, tempDir, txText } from './fixtures.ts';

// The ledger's bandwidth rule at the mempool's door: what the ledger counted in the window of the
// node's clock plus what the mempool holds of the sender, against the same budget.

const owner = keyOf(1);
const alice = keyOf(2);
const bob = keyOf(3);
const newChain = () =>
  new TestChain({
    chain: 'ain-local',
    owner: owner.address,
    accounts: { [owner.address]: { stake: '100' }, [bob.address]: { balance: '200' } },
    proposers: [owner.address],
    block: {},
    bandwidth: { windowMs: 60_000, free: 3, ainPerTx: '100' },
    rules: { '/apps': true },
  });

test('past its budget a sender is refused BANDWIDTH_EXCEEDED before anything is journaled, and others go on', async (t) => {
  const chain = newChain();
  let now = 5_000;
  const mempool = await openTestMempool(t, {
    dir: await tempDir(t),
    ledgerNonce: () => 0,
    bandwidth: (tx, queued) => bandwidthRefusal(chain.ledger, tx, queued, now),
  });
  const results = await mempool.ingest.submit([1, 2, 3, 4].map((n) => txText(alice, n)));
  t.deepEqual(codesOf(results), ['ok', 'ok', 'ok', 'BANDWIDTH_EXCEEDED']);
  t.regex(
    'message' in results[3]! ? results[3].message : '',
    /has used 3 txs of its budget of 3 for this 60 s window; it refills at 1970-01-01T00:01:00\.000Z/,
  );
  t.deepEqual(codesOf(await mempool.peerIngest.submit([txText(alice, 5)])), ['BANDWIDTH_EXCEEDED'], "a peer's gossip meets the same check");
  t.deepEqual(codesOf(await mempool.ingest.submit([1, 2, 3, 4, 5, 6].map((n) => txText(bob, n)))), ['ok', 'ok', 'ok', 'ok', 'ok', 'BANDWIDTH_EXCEEDED']);
  t.is(mempool.stats.txs, 8);
  now = 60_000;
  t.deepEqual(codesOf(await mempool.ingest.submit([txText(alice, 6)])), ['BANDWIDTH_EXCEEDED'], 'what the mempool holds still counts in the next window');
});

test('what the ledger counted in the window counts too, and a new window refills it', async (t) => {
  const chain = newChain();
  const block = chain.block([1, 2].map((n) => signTx({ key: alice, op: { type: 'set_value', path: `/apps/${n}`, value: n }, nonce: n, time: 1_000 })));
  t.deepEqual(chain.codes(block), ['ok', 'ok']);
  const tx = (nonce: number) => ({ sender: { from: alice.address, nonce, type: 'set_value' }, record: Buffer.from(txText(alice, nonce)) });
  t.is(bandwidthRefusal(chain.ledger, tx(3), 0, block.header.time), undefined);
  t.is(bandwidthRefusal(chain.ledger, tx(3), 1, block.header.time)?.code, 'BANDWIDTH_EXCEEDED');
  t.is(bandwidthRefusal(chain.ledger, tx(3), 1, 60_000), undefined, 'the next window of the clock starts from nothing counted');
  const cut = { sender: { from: owner.address, nonce: 9, type: 'cut' }, record: Buffer.from('{}') };
  t.is(bandwidthRefusal(chain.ledger, cut, 1000, block.header.time), undefined, 'consensus ops cost none');
});
