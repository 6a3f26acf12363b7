import test from 'ava';
import { readRequest } from '../../../actors/index.ts';
import { readReservation } from '../../../actors/index.ts';
import { client, evaluator, newChain, one, staffedJob, stranger, w1, w2 } from './jobWorld.ts';

// Preemptive buying: a client reserves a worker at a fixed price for a period, paying in advance;
// its requests against the reservation go to that worker at that price; the rest comes back.

function reserved(price = '7', requests = 3, period = 60_000) {
  const chain = newChain();
  const job = staffedJob(chain);
  const supply = chain.total();
  const made = one(chain, client, { type: 'reserveWorker', job_id: job, worker: w1.address, price, period_ms: period, requests });
  return { chain, job, supply, made };
}

test('given a reservation of w1 at 7 AIN for 3 requests, the client locks 21 AIN; w1 accepts it', (t) => {
  const { chain, supply, made } = reserved();
  t.is(made.code, 'ok');
  t.is(chain.balance(client.address), 1000n - 21n);
  t.like(made.block.jobEvents[0], { type: 'reserved', client: client.address, worker: w1.address, price: '7', requests: 3, locked: '21' });
  t.is(one(chain, w2, { type: 'acceptReservation', reservation_id: made.id }).code, 'NOT_ALLOWED', 'only its worker accepts it');
  const accepted = one(chain, w1, { type: 'acceptReservation', reservation_id: made.id });
  t.is(accepted.code, 'ok');
  t.like(accepted.block.jobEvents[0], { type: 'reservationAccepted', worker: w1.address });
  t.is(one(chain, w1, { type: 'acceptReservation', reservation_id: made.id }).code, 'ILLEGAL_TRANSITION', 'once');
  t.is(chain.total(), supply);
});

test('a request against it goes to w1 alone with the reserved price as its pool, drawn from what was locked', (t) => {
  const { chain, job, supply, made } = reserved();
  one(chain, w1, { type: 'acceptReservation', reservation_id: made.id });
  const before = chain.balance(client.address);
  const request = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['2', '7'], time_limit: 10_000, reservation: made.id });
  t.is(request.code, 'ok');
  t.is(chain.balance(client.address), before - 2n - 3n, 'only the evaluator’s part and the fee (3) leave the balance now');
  t.deepEqual(readRequest(chain.ledger.tree, request.id)!.context.workersAllowed, [w1.address]);
  t.is(readReservation(chain.ledger.tree, made.id)!.requestsLeft, 2);
  // The request runs as any other: w1 works, is ranked and paid the reserved price.
  one(chain, evaluator, { type: 'acceptJob', request_id: request.id, role: 'evaluator', deposit: '20' });
  t.is(one(chain, w2, { type: 'acceptJob', request_id: request.id, role: 'worker' }).code, 'NOT_ALLOWED', 'not the reserved worker');
  one(chain, w1, { type: 'acceptJob', request_id: request.id, role: 'worker' });
  one(chain, w1, { type: 'submitResult', request_id: request.id, result: { x: 2 } });
  chain.block([], chain.time + 10_000);
  one(chain, evaluator, { type: 'rank', request_id: request.id, ranking: [w1.address] });
  const w1Before = chain.balance(w1.address);
  one(chain, client, { type: 'acceptResult', request_id: request.id });
  t.is(readRequest(chain.ledger.tree, request.id)!.state, 'settled');
  t.is(chain.balance(w1.address), w1Before + 7n);
  t.is(chain.total(), supply);
});

test('refusals: not accepted yet, another client, a pool other than the price, another worker named, none left, a stranger worker, no money', (t) => {
  const { chain, job, made } = reserved('7', 1);
  const ask = (from = client, extra: Record<string, unknown> = {}) =>
    one(chain, from, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['0', '7'], time_limit: 10_000, reservation: made.id, ...extra } as never);
  t.is(ask().code, 'INVALID_JOB_REQUEST', 'w1 has not accepted it');
  one(chain, w1, { type: 'acceptReservation', reservation_id: made.id });
  t.is(ask(stranger).code, 'INVALID_JOB_REQUEST', "another client's");
  t.is(ask(client, { reward: ['0', '8'] }).code, 'INVALID_JOB_REQUEST', 'a pool other than the price');
  t.is(ask(client, { worker_node: [w2.address] }).code, 'INVALID_JOB_REQUEST', 'another worker');
  t.is(ask().code, 'ok');
  t.is(ask().code, 'INVALID_JOB_REQUEST', 'its one request is spent');
  t.is(one(chain, client, { type: 'reserveWorker', job_id: job, worker: stranger.address, price: '1', period_ms: 1000, requests: 1 }).code, 'NOT_APPROVED');
  t.is(one(chain, client, { type: 'reserveWorker', job_id: job, worker: w1.address, price: '1000', period_ms: 1000, requests: 2 }).code, 'INSUFFICIENT_FUNDS');
  t.is(one(chain, client, { type: 'reserveWorker', job_id: job, worker: w1.address, price: '0', period_ms: 1000, requests: 2 }).code, 'INVALID_JOB_REQUEST');
});

test('when the period ends, what was not spent goes back to the client, accepted or not; later requests may not name it', (t) => {
  const { chain, job, supply, made } = reserved('5', 4, 30_000);
  one(chain, w1, { type: 'acceptReservation', reservation_id: made.id });
  one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['0', '5'], time_limit: 5000, reservation: made.id });
  const other = one(chain, client, { type: 'reserveWorker', job_id: job, worker: w2.address, price: '3', period_ms: 30_000, requests: 2 });
  const before = chain.balance(client.address);
  const ended = chain.block([], made.block.header.time + 30_000);
  const events = ended.jobEvents.filter((e) => e.type === 'reservationEnded');
  t.like(events[0], { type: 'reservationEnded', reservation: made.id, refund: '15', accepted: true });
  t.true(chain.balance(client.address) >= before + 15n);
  t.is(readReservation(chain.ledger.tree, made.id), null);
  chain.block([], other.block.header.time + 30_000);
  t.is(readReservation(chain.ledger.tree, other.id), null, 'the one never accepted ended too, all of it refunded');
  t.is(
    one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['0', '5'], time_limit: 5000, reservation: made.id }).code,
    'INVALID_JOB_REQUEST',
  );
  for (let i = 0; i < 3; i++) chain.block([], chain.time + 1_000_000);
  t.is(chain.total(), supply);
  t.is(chain.ledger.tree.get('/jobs/reservationEnds'), null);
});
