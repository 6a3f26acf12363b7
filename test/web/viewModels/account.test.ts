import test from 'ava';
import type { AccountEvent, JobEvent } from '../../../schemas/index.ts';
import { applyAccount, initialAccount, namesAccount, type AccountEscrow } from '../../../web/viewModels/index.ts';

// An account's page: balance, stake and unbonding from its value stream, and the escrow its open
// requests hold, read again after each block that touched the account.

const hex = (n: number) => n.toString(16).padStart(64, '0');
const addr = (n: number) => '0x' + n.toString(16).padStart(40, '0');
const me = addr(5);
const account = (height: number, balance: string): AccountEvent => ({ address: me, balance, stake: '100', unbonding: '7', nonce: height, height });
const escrow = (height: number, locked: string): AccountEscrow => ({
  height,
  locked,
  mayLock: '0',
  covered: true,
  count: locked === '0' ? 0 : 1,
  requests: locked === '0' ? [] : [{ request: hex(7), job: hex(1), role: 'client', state: 'running', locked, mayLock: '0' }],
  warning: null,
});
const jobEvent = (e: Record<string, unknown>) => ({ job: hex(1), request: hex(7), height: 0, time: 0, ...e }) as unknown as JobEvent;

test('account: its first event asks for the escrow; a read at that height makes it current; a settlement naming it asks again', (t) => {
  let state = applyAccount(initialAccount(me), { type: 'account', data: account(3, '970') });
  t.like(state, { escrowStaleAt: 3, account: { balance: '970', stake: '100', unbonding: '7' } });
  state = applyAccount(state, { type: 'escrow', escrow: escrow(3, '31') });
  t.like(state, { escrowStaleAt: null, escrow: { locked: '31' } });
  // Another client's request moves nothing here.
  const other = jobEvent({ type: 'requested', request: hex(8), client: addr(6), reward: '1' });
  t.is(applyAccount(state, { type: 'jobs', data: { height: 4, events: [other] } }), state);
  // The settlement pays out of escrow: the client's balance stays, its escrow goes.
  const settled = jobEvent({ type: 'settled', client: me, evaluator: addr(3), payouts: [], latencyMs: 1, unpaid: [] });
  state = applyAccount(state, { type: 'jobs', data: { height: 6, events: [other, settled] } });
  t.is(state.escrowStaleAt, 6);
  // A read that left before the block does not make it current.
  state = applyAccount(state, { type: 'escrow', escrow: escrow(5, '31') });
  t.is(state.escrowStaleAt, 6);
  state = applyAccount(state, { type: 'escrow', escrow: escrow(6, '0') });
  t.like(state, { escrowStaleAt: null, escrow: { locked: '0', count: 0 } });
  // An older account event (a replay) is left out.
  t.is(applyAccount(state, { type: 'account', data: account(2, '1000') }).account!.balance, '970');
});

test('account: the job events that name it are its client’s, evaluator’s, worker’s and challenger’s', (t) => {
  t.true(namesAccount(jobEvent({ type: 'accepted', node: me, role: 'evaluator' }), me));
  t.true(namesAccount(jobEvent({ type: 'challenged', client: addr(1), evaluator: addr(2), challenger: me }), me));
  t.true(namesAccount(jobEvent({ type: 'refunded', client: me, evaluator: null, payouts: [] }), me));
  t.false(namesAccount(jobEvent({ type: 'ranked', evaluator: addr(2), ranking: [me] }), me));
});
