import test from 'ava';
import { configuredQuotas, firstQuotas, fixedQuotas, ledgerQuotas } from '../../../runtime/storage/index.ts';
import { key, TestChain } from '../../actors/ledger/chain.ts';

// A node's quota from the ledger: the grants reserveStorage bought with this node as provider.

const owner = key(1);
const node = key(2);
const alice = key(3);
const bob = key(4);

function chainWithGrants(): { chain: TestChain; times: number[] } {
  const chain = new TestChain({
    chain: 'ain-test',
    owner: owner.address,
    accounts: { [owner.address]: { balance: '1000', stake: '100' }, [alice.address]: { balance: '1000' } },
    proposers: [owner.address],
    block: {},
    storage: { providers: { [node.address]: { price: '1', bytesMax: 1 << 30 }, [owner.address]: { price: '1', bytesMax: 1 << 30 } } },
  });
  const a = chain.block([chain.tx(alice, { type: 'reserveStorage', provider: node.address, space: 100, ttl: 10_000, acl: [bob.address] })]);
  const b = chain.block([chain.tx(alice, { type: 'reserveStorage', provider: node.address, space: 50, ttl: 60_000, acl: ['*'] })]);
  chain.block([chain.tx(alice, { type: 'reserveStorage', provider: owner.address, space: 999, ttl: 60_000 })]);
  return { chain, times: [a.header.time, b.header.time] };
}

test('given two live grants, the room for a put is the longest-lasting grants that hold it, and its holds end with the shortest of those', (t) => {
  const { chain, times } = chainWithGrants();
  const now = times[1]! + 1000;
  const quotas = ledgerQuotas(
    () => chain.ledger.tree,
    node.address,
    () => now,
  );
  const longEnd = times[1]! + 60_000;
  t.deepEqual(quotas.reservationOf(alice.address, 40), { bytesMax: 50, ttlMs: longEnd - now, endsAtMs: longEnd, readers: ['*'] }, 'the 60 s grant alone');
  const shortEnd = times[0]! + 10_000;
  t.deepEqual(
    quotas.reservationOf(alice.address, 120),
    { bytesMax: 150, ttlMs: shortEnd - now, endsAtMs: shortEnd, readers: ['*'] },
    'both: until the 10 s one ends',
  );
  t.is(quotas.reservationOf(bob.address), undefined, 'bob reserved nothing');
  t.is(
    ledgerQuotas(
      () => chain.ledger.tree,
      bob.address,
      () => now,
    ).reservationOf(alice.address),
    undefined,
    'a grant is room on its own provider only',
  );
});

test('a grant past its end at the clock counts no more, even before a block has freed it', (t) => {
  const { chain, times } = chainWithGrants();
  const quotas = (at: number) =>
    ledgerQuotas(
      () => chain.ledger.tree,
      node.address,
      () => at,
    ).reservationOf(alice.address, 200);
  t.deepEqual(quotas(times[0]! + 10_000), { bytesMax: 50, ttlMs: times[1]! + 60_000 - (times[0]! + 10_000), endsAtMs: times[1]! + 60_000, readers: ['*'] });
  t.is(quotas(times[1]! + 60_000), undefined);
});

test('a grant someone else bought for an address adds room but never sets who reads its blobs, nor shortens its holds', (t) => {
  const { chain } = chainWithGrants();
  // The owner buys bob a year of 10 bytes readable by anyone, then 1 MiB for 1 s; bob paid for nothing himself.
  const block = chain.block([
    chain.tx(owner, { type: 'reserveStorage', provider: node.address, space: 10, ttl: 365 * 86_400_000, acl: ['*'], for: bob.address }),
    chain.tx(owner, { type: 'reserveStorage', provider: node.address, space: 1 << 20, ttl: 1000, for: bob.address }),
  ]);
  const now = block.header.time + 1;
  const quotas = ledgerQuotas(
    () => chain.ledger.tree,
    node.address,
    () => now,
  );
  const small = quotas.reservationOf(bob.address, 5)!;
  t.is(small.readers, undefined, "a stranger's acl does not make bob's blobs public");
  t.is(small.endsAtMs, block.header.time + 365 * 86_400_000, 'the year-long grant alone holds 5 bytes: the 1 s one does not cut it short');
  t.is(quotas.reservationOf(bob.address, 100)!.endsAtMs, block.header.time + 1000, 'more than it holds needs the short grant too');
});

test("the operator's config grants first; the ledger's for everyone else", (t) => {
  const { chain, times } = chainWithGrants();
  const quotas = firstQuotas(
    configuredQuotas({ [alice.address]: { bytesMax: 7, ttlMs: 70 } }, node.address),
    ledgerQuotas(
      () => chain.ledger.tree,
      node.address,
      () => times[1]!,
    ),
  );
  t.deepEqual(quotas.reservationOf(alice.address), { bytesMax: 7, ttlMs: 70 });
  t.is(firstQuotas(fixedQuotas({}), fixedQuotas({})).reservationOf(alice.address), undefined);
});
