import test from 'ava';
import { readGrants, readOffer, storageFee } from '../../../projections/index.ts';
import { parseGenesis } from '../../../actors/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { txHashOf } from '../../../log/index.ts';
import { key, TestChain } from './chain.ts';

// Big Storage on the ledger: providers sell room (genesis entry or offerStorage), reserveStorage
// pays the provider for it, the grant is the holder's quota on that node, and block time frees it.

const owner = key(1);
const provider = key(2);
const alice = key(3);
const bob = key(4);
const gib = 2 ** 30;
const messageOf = (block: { outcomes: readonly unknown[] }, i: number) => (block.outcomes[i] as { message: string }).message;
const day = 86_400_000;
const genesis = {
  chain: 'ain-test',
  owner: owner.address,
  accounts: { [owner.address]: { balance: '1000', stake: '100' }, [alice.address]: { balance: '100' }, [provider.address]: { balance: '0' } },
  proposers: [owner.address],
  block: {},
  storage: { providers: { [provider.address]: { price: '40', bytesMax: 2 * gib } } },
};

test('the fee is the price per GiB-day times the bytes and days, rounded up', (t) => {
  t.is(storageFee('40', gib, day), 40n);
  t.is(storageFee('40', gib / 2, day / 4), 5n);
  t.is(storageFee('40', 1, 1), 1n, 'any room at a price above 0 costs at least 1');
  t.is(storageFee('0', gib, day), 0n);
});

test('given a provider in the genesis, when alice reserves a GiB for a day, then she pays it 40 and holds a grant until the block time plus the ttl', (t) => {
  const chain = new TestChain(genesis);
  t.deepEqual(readOffer(chain.ledger.tree, provider.address), { price: '40', bytesMax: 2 * gib, reserved: 0 });
  const tx = chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: gib, ttl: day, acl: ['*'] });
  const block = chain.block([tx]);
  t.deepEqual(chain.codes(block), ['ok']);
  t.is(chain.balance(alice.address), 60n);
  t.is(chain.balance(provider.address), 40n);
  t.is(chain.total(), chain.supply(), 'money moved, none made');
  t.deepEqual(readGrants(chain.ledger.tree, provider.address, alice.address), {
    [txHashOf(tx)]: { bytes: gib, expiresAt: block.header.time + day, payer: alice.address, acl: '*' },
  });
  t.is(readOffer(chain.ledger.tree, provider.address)!.reserved, gib);
});

test('a reservation for another address: the signer pays, the holder gets the room', (t) => {
  const chain = new TestChain(genesis);
  const block = chain.block([chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: gib, ttl: day, for: bob.address })]);
  t.deepEqual(chain.codes(block), ['ok']);
  t.is(chain.balance(alice.address), 60n);
  t.is(Object.keys(readGrants(chain.ledger.tree, provider.address, bob.address)).length, 1);
  t.deepEqual(readGrants(chain.ledger.tree, provider.address, alice.address), {});
});

test('refusals: no offer, more than the provider has left, less money than the fee; each changes nothing but the nonce', (t) => {
  const chain = new TestChain(genesis);
  const before = chain.ledger.tree.get('/storage');
  const block = chain.block([
    chain.tx(alice, { type: 'reserveStorage', provider: bob.address, space: 1, ttl: 1 }),
    chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: 2 * gib + 1, ttl: 1 }),
    chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: gib, ttl: 3 * day }),
  ]);
  t.deepEqual(chain.codes(block), ['NO_STORAGE_OFFER', 'STORAGE_FULL', 'INSUFFICIENT_FUNDS']);
  t.regex(messageOf(block, 0), /sells no Big Storage/);
  t.regex(messageOf(block, 1), /0 of its 2147483648 bytes reserved; 2147483649 more do not fit/);
  t.regex(messageOf(block, 2), /holds 100 AIN, less than the 120 AIN/);
  t.is(chain.balance(alice.address), 100n);
  t.deepEqual(chain.ledger.tree.get('/storage'), before);
});

test('the provider sells no more than it offers at once; what expires is sold again', (t) => {
  const chain = new TestChain({ ...genesis, accounts: { ...genesis.accounts, [alice.address]: { balance: '1000' } } });
  const first = chain.block([chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: gib, ttl: 10_000 })]);
  const second = chain.block([chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: gib, ttl: 60_000 })]);
  t.deepEqual([...chain.codes(first), ...chain.codes(second)], ['ok', 'ok']);
  t.deepEqual(chain.codes(chain.block([chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: 1, ttl: 1000 })])), ['STORAGE_FULL']);
  // The first grant ends at its block's time + 10 s: the first block at or after that frees it.
  const freed = chain.block([], first.header.time + 10_000);
  t.is(readOffer(chain.ledger.tree, provider.address)!.reserved, gib);
  t.is(Object.keys(readGrants(chain.ledger.tree, provider.address, alice.address)).length, 1);
  t.deepEqual(
    chain.codes(chain.block([chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: gib, ttl: 1000 })], freed.header.time + 1)),
    ['ok'],
  );
  chain.block([], second.header.time + 60_000);
  t.is(readOffer(chain.ledger.tree, provider.address)!.reserved, 0);
  t.deepEqual(chain.ledger.tree.get('/storage/expiries'), null, 'the expiry index holds nothing once all have ended');
  t.deepEqual(chain.ledger.tree.get('/storage/grants'), null);
});

test('offerStorage sets the signer’s price and capacity; reservations made keep their terms; bytesMax 0 sells nothing more', (t) => {
  const chain = new TestChain(genesis);
  chain.block([chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: gib, ttl: day })]);
  t.deepEqual(chain.codes(chain.block([chain.tx(provider, { type: 'offerStorage', price: '8', bytesMax: gib })])), ['ok']);
  t.deepEqual(readOffer(chain.ledger.tree, provider.address), { price: '8', bytesMax: gib, reserved: gib });
  t.deepEqual(chain.codes(chain.block([chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: 1, ttl: 1 })])), ['STORAGE_FULL']);
  // Anyone may become a provider.
  chain.block([chain.tx(bob, { type: 'offerStorage', price: '0', bytesMax: gib })]);
  const free = chain.block([chain.tx(alice, { type: 'reserveStorage', provider: bob.address, space: gib, ttl: 30 * day })]);
  t.deepEqual(chain.codes(free), ['ok']);
  t.is(chain.balance(alice.address), 60n, 'a price of 0 costs nothing');
  t.deepEqual(chain.codes(chain.block([chain.tx(provider, { type: 'offerStorage', price: '8', bytesMax: 0 })])), ['ok']);
});

test('a provider reserving on itself pays nothing (the fee would come back to it)', (t) => {
  const chain = new TestChain(genesis);
  const block = chain.block([chain.tx(provider, { type: 'reserveStorage', provider: provider.address, space: gib, ttl: day })]);
  t.deepEqual(chain.codes(block), ['ok']);
  t.is(chain.balance(provider.address), 0n);
});

test('a holder has at most 64 live reservations with one provider: TOO_MANY_RESERVATIONS', (t) => {
  const chain = new TestChain({ ...genesis, accounts: { ...genesis.accounts, [alice.address]: { balance: '100000' } } });
  const txs = Array.from({ length: 65 }, () => chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: 1, ttl: day }));
  const codes = chain.codes(chain.block(txs));
  t.deepEqual(codes.slice(0, 64), Array(64).fill('ok'));
  t.is(codes[64], 'TOO_MANY_RESERVATIONS');
});

test('others may buy a holder at most 16 grants with one provider, counted apart from the 64 it buys itself', (t) => {
  const chain = new TestChain({ ...genesis, accounts: { ...genesis.accounts, [alice.address]: { balance: '100000' }, [bob.address]: { balance: '1000' } } });
  const forBob = Array.from({ length: 17 }, () =>
    chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: 1, ttl: day, for: bob.address }),
  );
  const codes = chain.codes(chain.block(forBob));
  t.deepEqual(codes.slice(0, 16), Array(16).fill('ok'));
  t.is(codes[16], 'TOO_MANY_RESERVATIONS');
  t.deepEqual(
    chain.codes(chain.block([chain.tx(bob, { type: 'reserveStorage', provider: provider.address, space: 1, ttl: day })])),
    ['ok'],
    'bob still reserves for himself',
  );
});

test('/storage is the ledger’s: a state op writing under it is RESERVED_PATH', (t) => {
  const chain = new TestChain(genesis);
  const block = chain.block([
    chain.tx(owner, { type: 'set_value', path: `/storage/offers/${alice.address}`, value: { price: '0', bytesMax: 1, reserved: 0 } }),
  ]);
  t.deepEqual(chain.codes(block), ['RESERVED_PATH']);
});

test('a genesis storage entry or op that is not a price, a size or a ttl is refused with the field named', (t) => {
  const error = t.throws(() => parseGenesis({ ...genesis, storage: { providers: { [provider.address]: { price: '-1', bytesMax: 1 } } } }));
  t.true(isAinError(error, 'BAD_GENESIS'));
  t.regex(error!.message, /storage\.providers\..*price/);
  const chain = new TestChain(genesis);
  const bad = chain.block([
    chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: 0, ttl: 1 } as never),
    chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: 1, ttl: 11 * 365 * day } as never),
    chain.tx(alice, { type: 'reserveStorage', provider: provider.address, space: 1, ttl: 1, acl: ['alice'] } as never),
  ]);
  t.deepEqual(chain.codes(bad), ['BAD_SCHEMA', 'BAD_SCHEMA', 'BAD_SCHEMA']);
});
