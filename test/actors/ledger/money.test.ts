import test from 'ava';
import { createHash } from 'node:crypto';
import { currentStakes, stakersMax } from '../../../projections/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { parseGenesis } from '../../../actors/index.ts';
import { key, TestChain } from './chain.ts';

const owner = key(1);
const alice = key(2);
const bob = key(3);
const genesis = {
  chain: 'ain-test',
  owner: owner.address,
  accounts: { [owner.address]: { balance: '1000', stake: '100' }, [alice.address]: { balance: '50' } },
  proposers: [owner.address],
  block: {},
  unbondingMs: 10_000,
};

test('given a genesis, balances, stake and supply are as it says', (t) => {
  const chain = new TestChain(genesis);
  t.is(chain.balance(owner.address), 1000n);
  t.is(chain.stake(owner.address), 100n);
  t.is(chain.balance(alice.address), 50n);
  t.is(chain.supply(), 1150n);
  t.is(chain.total(), chain.supply());
});

test('a genesis without any stake, or malformed, is BAD_GENESIS with a sentence', (t) => {
  const error = t.throws(() => parseGenesis({ ...genesis, accounts: { [alice.address]: { balance: '1' } } }));
  t.true(isAinError(error, 'BAD_GENESIS'));
  t.regex(error!.message, /no account has stake/);
  const bad = t.throws(() => parseGenesis({ ...genesis, owner: 'me' }));
  t.true(isAinError(bad, 'BAD_GENESIS'));
  t.regex(bad!.message, /owner/);
});

test('a genesis whose strings have no canonical JSON (a lone surrogate) is BAD_GENESIS, since it has no hash', (t) => {
  for (const input of [
    { ...genesis, rules: { '/apps': '"\uD800"' } },
    { ...genesis, chain: 'ain-test', rules: { '/\uDFFF': true } },
  ]) {
    const error = t.throws(() => parseGenesis(input));
    t.true(isAinError(error, 'BAD_GENESIS'), String(error));
  }
});

test('when alice sends to bob, then balances move and the supply holds', (t) => {
  const chain = new TestChain(genesis);
  const block = chain.block([chain.tx(alice, { type: 'send', to: bob.address, amount: '20' })]);
  t.deepEqual(chain.codes(block), ['ok']);
  t.is(chain.balance(alice.address), 30n);
  t.is(chain.balance(bob.address), 20n);
  t.is(chain.total(), chain.supply());
});

test('when a send exceeds the balance, then it is INSUFFICIENT_FUNDS and nothing moves', (t) => {
  const chain = new TestChain(genesis);
  const block = chain.block([chain.tx(alice, { type: 'send', to: bob.address, amount: '51' })]);
  t.deepEqual(chain.codes(block), ['INSUFFICIENT_FUNDS']);
  t.regex((block.outcomes[0] as { message: string }).message, /holds 50 AIN, less than the 51 AIN/);
  t.is(chain.balance(alice.address), 50n);
  t.is(chain.balance(bob.address), 0n);
});

test('a self-send is ok and changes no balance; an empty account cannot send', (t) => {
  const chain = new TestChain(genesis);
  const block = chain.block([
    chain.tx(alice, { type: 'send', to: alice.address, amount: '50' }),
    chain.tx(bob, { type: 'send', to: alice.address, amount: '1' }),
  ]);
  t.deepEqual(chain.codes(block), ['ok', 'INSUFFICIENT_FUNDS']);
  t.is(chain.balance(alice.address), 50n);
});

test('nonces: a replayed tx is DUPLICATE_TX, a stale nonce BAD_NONCE, gaps are fine; neither applies twice', (t) => {
  const chain = new TestChain(genesis);
  const send = chain.tx(alice, { type: 'send', to: bob.address, amount: '10' }, 5);
  const stale = chain.tx(alice, { type: 'send', to: bob.address, amount: '10' }, 3);
  const block = chain.block([send, send, stale]);
  t.deepEqual(chain.codes(block), ['ok', 'DUPLICATE_TX', 'BAD_NONCE']);
  const later = chain.block([send, chain.tx(alice, { type: 'send', to: bob.address, amount: '1' }, 9)]);
  t.deepEqual(chain.codes(later), ['DUPLICATE_TX', 'ok']);
  t.is(chain.balance(bob.address), 11n);
});

test('a refused tx still uses up its nonce, so replaying it later cannot apply it', (t) => {
  const chain = new TestChain(genesis);
  const tooMuch = chain.tx(alice, { type: 'send', to: bob.address, amount: '60' });
  t.deepEqual(chain.codes(chain.block([tooMuch])), ['INSUFFICIENT_FUNDS']);
  chain.block([chain.tx(owner, { type: 'send', to: alice.address, amount: '100' })]);
  t.deepEqual(chain.codes(chain.block([tooMuch])), ['DUPLICATE_TX']);
  t.is(chain.balance(bob.address), 0n);
});

test('stake and unstake: unbonded AIN returns to the balance only once block time passes the unbonding period', (t) => {
  const chain = new TestChain(genesis);
  t.deepEqual(chain.codes(chain.block([chain.tx(alice, { type: 'stake', amount: '40' })])), ['ok']);
  t.is(chain.balance(alice.address), 10n);
  t.is(chain.stake(alice.address), 40n);
  const unstakeAt = chain.time + 1000;
  t.deepEqual(chain.codes(chain.block([chain.tx(alice, { type: 'unstake', amount: '30' })], unstakeAt)), ['ok']);
  t.is(chain.stake(alice.address), 10n);
  t.is(chain.ledger.tree.get(`/accounts/${alice.address}/unbonding`), '30');
  chain.block([], unstakeAt + 9_999);
  t.is(chain.balance(alice.address), 10n, 'not yet released');
  chain.block([], unstakeAt + 10_000);
  t.is(chain.balance(alice.address), 40n);
  t.is(chain.ledger.tree.get(`/accounts/${alice.address}/unbonding`), '0');
  t.is(chain.total(), chain.supply());
});

test('unstaking more than the stake is INSUFFICIENT_STAKE; staking more than the balance INSUFFICIENT_FUNDS', (t) => {
  const chain = new TestChain(genesis);
  const block = chain.block([chain.tx(alice, { type: 'unstake', amount: '1' }), chain.tx(alice, { type: 'stake', amount: '51' })]);
  t.deepEqual(chain.codes(block), ['INSUFFICIENT_STAKE', 'INSUFFICIENT_FUNDS']);
});

test('state ops under /accounts or /consensus, or a value at /, are RESERVED_PATH even for the owner of /', (t) => {
  const chain = new TestChain(genesis);
  const block = chain.block([
    chain.tx(owner, { type: 'set_value', path: `/accounts/${owner.address}/balance`, value: '999999' }),
    chain.tx(owner, { type: 'set_rule', path: '/consensus', value: { write: true } }),
    chain.tx(owner, { type: 'set_value', path: '/', value: null }),
    chain.tx(owner, {
      type: 'set',
      ops: [
        { type: 'set_value', path: '/apps/x', value: 1 },
        { type: 'inc_value', path: '/accounts/x', value: 1 },
      ],
    }),
    chain.tx(owner, { type: 'set_rule', path: '/apps', value: { write: true } }),
  ]);
  t.deepEqual(chain.codes(block), ['RESERVED_PATH', 'RESERVED_PATH', 'RESERVED_PATH', 'RESERVED_PATH', 'ok']);
  t.is(chain.balance(owner.address), 1000n);
  t.is(chain.ledger.tree.get('/apps/x'), null);
});

test('rules may read balances: a write rule that checks the writer holds AIN', (t) => {
  const chain = new TestChain(genesis);
  chain.block([
    chain.tx(owner, {
      type: 'set_rule',
      path: '/club/$user',
      value: { write: "auth.addr == $user && getValue('/accounts/' + auth.addr + '/balance') != null" },
    }),
  ]);
  const block = chain.block([
    chain.tx(alice, { type: 'set_value', path: `/club/${alice.address}`, value: 'in' }),
    chain.tx(bob, { type: 'set_value', path: `/club/${bob.address}`, value: 'in' }),
  ]);
  t.is(block.outcomes[0]!.code, 'ok');
  t.is(block.outcomes[1]!.code, 'RULE_DENIED');
});

test('records that are not txs, forged or for another chain are refused with their code and change nothing', (t) => {
  const chain = new TestChain(genesis);
  const good = chain.tx(alice, { type: 'send', to: bob.address, amount: '1' });
  const forged = { ...chain.tx(alice, { type: 'send', to: bob.address, amount: '2' }), sig: good.sig };
  const other = { ...good, chain: 'other' };
  const block = chain.block([Buffer.from('garbage'), forged, other, good]);
  t.deepEqual(chain.codes(block), ['BAD_SCHEMA', 'BAD_SIGNATURE', 'WRONG_CHAIN', 'ok']);
  t.is(chain.balance(bob.address), 1n);
});

test('the ledger keeps at most stakersMax stakes: a new one past that takes the smallest one’s place (its stake unbonding), or is STAKE_TOO_SMALL', (t) => {
  // Each set is one value of the state tree (at most 10,000 nodes): without a bound, ten thousand stakes of 1 would halt the chain.
  const staker = (i: number) => `0x${createHash('sha256').update(`staker ${i}`).digest('hex').slice(0, 40)}`;
  const many = Array.from({ length: stakersMax - 1 }, (_, i) => staker(i));
  const accounts = Object.fromEntries([
    [owner.address, { balance: '1000', stake: '100' }],
    [alice.address, { balance: '50' }],
    ...many.map((a) => [a, { balance: '0', stake: '1' }]),
  ]);
  const chain = new TestChain({ ...genesis, accounts });
  t.is(currentStakes(chain.ledger.tree).size, stakersMax);
  const small = chain.block([chain.tx(alice, { type: 'stake', amount: '1' })]);
  t.deepEqual(chain.codes(small), ['STAKE_TOO_SMALL'], 'not above the smallest (1)');
  t.is(chain.balance(alice.address), 50n);
  const evicted = [...many].sort().at(-1)!; // of the stakes of 1, the highest address goes
  const taken = chain.block([chain.tx(alice, { type: 'stake', amount: '2' })]);
  t.deepEqual(chain.codes(taken), ['ok']);
  t.is(chain.stake(alice.address), 2n);
  t.is(chain.stake(evicted), 0n);
  t.is(BigInt((chain.ledger.tree.get(`/accounts/${evicted}/unbonding`) as string | null) ?? '0'), 1n, 'unbonding, as if unstaked');
  t.is(currentStakes(chain.ledger.tree).size, stakersMax);
  t.is(chain.total(), chain.supply());
  // A genesis with more stakes than the ledger keeps is refused.
  const tooMany = { ...accounts, [staker(stakersMax)]: { balance: '0', stake: '1' } };
  const error = t.throws(() => parseGenesis({ ...genesis, accounts: tooMany }));
  t.true(isAinError(error, 'BAD_GENESIS'));
  t.regex(error!.message, /more than the 1000 stakes the ledger keeps/);
});
