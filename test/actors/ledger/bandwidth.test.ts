import test from 'ava';
import { bandwidthOf, bandwidthRulesOf } from '../../../projections/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { parseGenesis } from '../../../actors/index.ts';
import { client, evaluator, newChain, one, request, staffedJob, stranger, w1 } from '../job/jobWorld.ts';
import { key, TestChain } from './chain.ts';

// Bandwidth instead of per-tx fees: a budget of txs per window of block time, free for anyone
// plus one per `ainPerTx` held or staked, and a request's lock for its agents.

const owner = key(1);
const alice = key(3);
const bob = key(4);
const carol = key(5);
const window = 60_000;
const genesis = {
  chain: 'ain-test',
  owner: owner.address,
  accounts: { [owner.address]: { balance: '0', stake: '100' }, [bob.address]: { balance: '250' }, [carol.address]: { balance: '50', stake: '150' } },
  proposers: [owner.address],
  block: {},
  bandwidth: { windowMs: window, free: 3, ainPerTx: '100' },
  rules: { '/open': true },
};
const write = (n: number) => ({ type: 'set_value' as const, path: `/open/${n}`, value: n });
const messageOf = (block: { outcomes: readonly unknown[] }, i: number) => (block.outcomes[i] as { message: string }).message;

test('given a new address, when it sends more txs in a window than the free allowance, then the rest are BANDWIDTH_EXCEEDED with when it refills', (t) => {
  const chain = new TestChain(genesis);
  const block = chain.block([1, 2, 3, 4, 5].map((n) => chain.tx(alice, write(n))));
  t.deepEqual(chain.codes(block), ['ok', 'ok', 'ok', 'BANDWIDTH_EXCEEDED', 'BANDWIDTH_EXCEEDED']);
  t.is(
    messageOf(block, 3),
    `${alice.address} has used 3 txs of its budget of 3 for this 60 s window; it refills at 1970-01-01T00:01:00.000Z (block time). Each 100 AIN held or staked buys one more tx per window (AIN received in a window counts from the next), and a request may lock AIN for its agents' txs.`,
  );
  t.is(chain.ledger.tree.get('/open/4'), null, 'a refused tx changes nothing');
  t.is(chain.ledger.tree.get(`/accounts/${alice.address}/nonce`), 5, 'but uses its nonce up, as every refusal after the nonce check');
  t.like(bandwidthOf(chain.ledger.tree, chain.ledger.bandwidth!, alice.address, block.header.time), { budget: 3, used: 3, refillsAt: window });
  const next = chain.block([chain.tx(alice, write(6))], window);
  t.deepEqual(chain.codes(next), ['ok'], 'the next window refills it');
});

test('given AIN held and staked, when an address sends, then each 100 AIN of balance and stake buys one more tx per window', (t) => {
  const chain = new TestChain(genesis);
  const block = chain.block([...[1, 2, 3, 4, 5, 6].map((n) => chain.tx(bob, write(n))), ...[1, 2, 3, 4, 5, 6].map((n) => chain.tx(carol, write(10 + n)))]);
  t.deepEqual(chain.codes(block), ['ok', 'ok', 'ok', 'ok', 'ok', 'BANDWIDTH_EXCEEDED', 'ok', 'ok', 'ok', 'ok', 'ok', 'BANDWIDTH_EXCEEDED']);
  t.regex(messageOf(block, 5), /has used 5 txs of its budget of 5 /);
});

test('the budget follows what the address holds, and AIN received by send counts from the next window: passed on, the same AIN buys a window once', (t) => {
  const chain = new TestChain(genesis);
  const first = chain.block([1, 2, 3, 4].map((n) => chain.tx(alice, write(n))));
  t.deepEqual(chain.codes(first), ['ok', 'ok', 'ok', 'BANDWIDTH_EXCEEDED']);
  t.deepEqual(chain.codes(chain.block([chain.tx(bob, { type: 'send', to: alice.address, amount: '200' })])), ['ok']);
  t.deepEqual(chain.codes(chain.block([chain.tx(alice, write(5))])), ['BANDWIDTH_EXCEEDED'], 'not in the window it arrived in');
  t.deepEqual(
    chain.codes(
      chain.block(
        [6, 7, 8, 9, 10, 11].map((n) => chain.tx(alice, write(n))),
        window,
      ),
    ),
    ['ok', 'ok', 'ok', 'ok', 'ok', 'BANDWIDTH_EXCEEDED'],
  );
  // Bob, who sent it away, has 50 AIN left: its 3 free txs and none more this window, as next.
  t.is(chain.balance(bob.address), 50n);
});

test("given a spammer, when it floods a block, then it is refused past its budget while everyone else's txs go on", (t) => {
  const chain = new TestChain(genesis);
  const spam = Array.from({ length: 50 }, (_, n) => chain.tx(alice, write(100 + n)));
  const block = chain.block([...spam.slice(0, 25), chain.tx(bob, write(1)), ...spam.slice(25), chain.tx(carol, write(2))]);
  const codes = chain.codes(block);
  t.is(codes.filter((c) => c === 'ok').length, 3 + 2);
  t.is(codes.filter((c) => c === 'BANDWIDTH_EXCEEDED').length, 47);
  t.is(codes[25], 'ok');
  t.is(codes[51], 'ok');
});

test("the chain's consensus ops cost no bandwidth when its proposers or validators sign them; anyone else's count like any tx", (t) => {
  const chain = new TestChain(genesis);
  const block = chain.block([1, 2, 3, 4, 5, 6].map((n) => chain.tx(owner, { type: 'cut', height: n })));
  t.false(chain.codes(block).includes('BANDWIDTH_EXCEEDED'));
  t.deepEqual(chain.codes(chain.block([1, 2, 3, 4, 5].map((n) => chain.tx(owner, write(n))))), ['ok', 'ok', 'ok', 'ok', 'BANDWIDTH_EXCEEDED']);
  const strangers = chain.block([1, 2, 3, 4].map((n) => chain.tx(alice, { type: 'cut', height: n })));
  t.deepEqual(chain.codes(strangers), ['NOT_PROPOSER', 'NOT_PROPOSER', 'NOT_PROPOSER', 'BANDWIDTH_EXCEEDED']);
});

test('a chain whose genesis has no bandwidth budgets nothing, and the genesis refuses an ainPerTx of 0', (t) => {
  const { bandwidth: _none, ...unbudgeted } = genesis;
  const chain = new TestChain(unbudgeted);
  t.is(chain.ledger.bandwidth, null);
  t.deepEqual(new Set(chain.codes(chain.block([1, 2, 3, 4, 5, 6].map((n) => chain.tx(alice, write(n)))))), new Set(['ok']));
  const error = t.throws(() => parseGenesis({ ...genesis, bandwidth: { windowMs: window, free: 3, ainPerTx: '0' } }));
  t.true(isAinError(error, 'BAD_GENESIS'));
  t.regex(error.message, /ainPerTx/);
  t.deepEqual(bandwidthRulesOf(parseGenesis(genesis)), { windowMs: window, free: 3, ainPerTx: 100n });
});

test("given a request that locked AIN for bandwidth, when its worker's own budget is used up, then its txs about it draw on the lock, a stranger's do not, and the lock goes back when it settles", (t) => {
  // Every party holds 1000 AIN: 2 free txs a minute and 10 more; the client's lock of 300 buys its agents 3.
  const chain = newChain({ claimWindowMs: 1000 }, { windowMs: window, free: 2, ainPerTx: '100' });
  const total = chain.total();
  const job = staffedJob(chain);
  const tooMuch = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 60_000, bandwidth: '990' });
  t.is(tooMuch.code, 'INSUFFICIENT_FUNDS', 'the lock is paid from the balance as the reward is');
  t.regex((tooMuch.block.outcomes[0] as { message: string }).message, /of reward, fee and bandwidth lock this request locks/);
  const { id, code } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 60_000, bandwidth: '300' });
  t.is(code, 'ok');
  t.is(request(chain, id).context.bandwidth, '300');
  t.is(chain.balance(client.address), 1000n - 20n - 3n - 300n);
  one(chain, evaluator, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '20' });
  one(chain, w1, { type: 'acceptJob', request_id: id, role: 'worker' }); // w1's 2nd tx this window (applyJob was its 1st)
  const submit = () => chain.tx(w1, { type: 'submitResult', request_id: id, result: { x: 2 } });
  const flood = chain.block(Array.from({ length: 14 }, submit));
  // 10 more of its own 12, then 3 of the request's, then none.
  const codes = chain.codes(flood);
  t.deepEqual(codes.slice(0, 1), ['ok']);
  t.deepEqual(new Set(codes.slice(1, 13)), new Set(['ILLEGAL_TRANSITION']));
  t.is(codes[13], 'BANDWIDTH_EXCEEDED');
  t.regex(messageOf(flood, 13), /has used 12 txs of its budget of 12 for this 60 s window and the 3 txs its request's lock buys;/);
  t.is(chain.ledger.tree.get(`/jobs/bandwidth/${id}`), '0:3');
  const strangers = chain.block(Array.from({ length: 13 }, () => chain.tx(stranger, { type: 'acceptResult', request_id: id })));
  t.is(chain.codes(strangers)[12], 'BANDWIDTH_EXCEEDED', 'a stranger to the request draws on its own budget only');
  t.notRegex(messageOf(strangers, 12), /request's lock/);
  chain.block([], chain.time + 60_000);
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w1.address] });
  const settled = one(chain, client, { type: 'acceptResult', request_id: id });
  const end = settled.block.jobEvents.find((e) => e.type === 'settled');
  t.deepEqual(end !== undefined && 'payouts' in end ? end.payouts.filter((p) => p.kind === 'bandwidth') : [], [
    { to: client.address, amount: '300', kind: 'bandwidth' },
  ]);
  t.is(chain.ledger.tree.get(`/jobs/bandwidth/${id}`), null, 'the pool ends with the request');
  t.is(chain.total(), total, 'the lock moved money, made none');
  t.is(chain.ledger.tree.get('/consensus/escrow'), '0');
});
