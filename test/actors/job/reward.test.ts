import test from 'ava';
import fc from 'fast-check';
import { bestWorkerShare, workerShares } from '../../../actors/index.ts';
import type { KeyPair } from '../../../log/index.ts';
import { parseOrThrow, RequestJobOp, type Payout } from '../../../schemas/index.ts';
import type { AppliedBlock } from '../ledger/chain.ts';
import { admin, client, evaluator, newChain, one, rankedRequest, request, staffedJob, stranger, w1, w2, w3 } from './jobWorld.ts';

// The paper's `reward: [evaluator, workers]` folded block by block: the evaluator's part paid to
// the evaluator that ranked, the workers' pool split by the reward function, everything else back
// to the client, and the money the request locked paid out exactly.

const outcomeOf = (block: AppliedBlock) => block.outcomes[0] as { code: string; message: string };
const payoutsOf = (block: AppliedBlock): Payout[] => {
  const end = block.jobEvents.find((e) => e.type === 'settled' || e.type === 'refunded');
  return end !== undefined && 'payouts' in end ? end.payouts : [];
};
const pay = (who: KeyPair, amount: string, kind: Payout['kind']): Payout => ({ to: who.address, amount, kind });

test("given the paper's reward [10, 10] with no reward function, when it settles, then winnerOnly: the evaluator gets 10 and only the best worker 10", (t) => {
  const chain = newChain();
  const supply = chain.total();
  const job = staffedJob(chain);
  const id = rankedRequest(chain, job, [w1, w2, w3]);
  t.like(request(chain, id).context, { reward: ['10', '10'], rewardFunction: 'winnerOnly', rewardWeights: null });
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w3.address, w1.address, w2.address] });
  const { block } = one(chain, client, { type: 'acceptResult', request_id: id });
  t.deepEqual(payoutsOf(block), [pay(evaluator, '10', 'reward'), pay(w3, '10', 'reward'), pay(admin, '3', 'fee'), pay(evaluator, '20', 'deposit')]);
  t.like(
    block.jobEvents.find((e) => e.type === 'settled'),
    { unpaid: [w1.address, w2.address] },
  );
  t.is(chain.total(), supply);
  t.is(chain.ledger.tree.get('/consensus/escrow'), '0');
});

test('given reward [4, 11] split even, when three workers are ranked, then each gets 3 and the best also the remainder 2', (t) => {
  const chain = newChain();
  const supply = chain.total();
  const job = staffedJob(chain);
  const id = rankedRequest(chain, job, [w1, w2, w3], ['4', '11'], { reward_function: 'even' });
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w3.address, w1.address, w2.address] });
  const { block } = one(chain, client, { type: 'acceptResult', request_id: id });
  t.deepEqual(payoutsOf(block).slice(0, 4), [pay(evaluator, '4', 'reward'), pay(w3, '5', 'reward'), pay(w1, '3', 'reward'), pay(w2, '3', 'reward')]);
  t.deepEqual([chain.balance(w3.address), chain.balance(w1.address), chain.balance(w2.address)], [1005n, 1003n, 1003n]);
  t.is(chain.balance(evaluator.address), 1004n);
  t.is(chain.balance(client.address), 1000n - 15n - 3n);
  t.is(chain.total(), supply);
});

test('given reward [2, 10] ranked by weights [3, 2, 1], when all three ranks are filled, then floor(pool × w / Σw) each and the rounding to the best', (t) => {
  const chain = newChain();
  const supply = chain.total();
  const job = staffedJob(chain);
  const id = rankedRequest(chain, job, [w1, w2, w3], ['2', '10'], { reward_function: 'ranked', reward_weights: [3, 2, 1] });
  t.like(request(chain, id).context, { rewardFunction: 'ranked', rewardWeights: [3, 2, 1] });
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address, w1.address, w3.address] });
  const { block } = one(chain, client, { type: 'acceptResult', request_id: id });
  // 5 + 3 + 1 of the pool of 10: the 1 rounding left goes to the best.
  t.deepEqual(payoutsOf(block).slice(0, 4), [pay(evaluator, '2', 'reward'), pay(w2, '6', 'reward'), pay(w1, '3', 'reward'), pay(w3, '1', 'reward')]);
  t.false(
    payoutsOf(block).some((p) => p.kind === 'refund'),
    'the whole pool was paid',
  );
  t.is(chain.total(), supply);
});

test("given reward [0, 12] ranked by weights [3, 2, 1], when only two workers are ranked, then they take their ranks' shares and the third rank's goes back to the client", (t) => {
  const chain = newChain();
  const supply = chain.total();
  const job = staffedJob(chain);
  const id = rankedRequest(chain, job, [w1, w2], ['0', '12'], { reward_function: 'ranked', reward_weights: [3, 2, 1] });
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w1.address, w2.address] });
  const { block } = one(chain, client, { type: 'acceptResult', request_id: id });
  t.deepEqual(payoutsOf(block).slice(0, 3), [pay(w1, '6', 'reward'), pay(w2, '4', 'reward'), pay(client, '2', 'refund')]);
  t.is(chain.balance(client.address), 1000n - 12n - 3n + 2n);
  t.is(chain.total(), supply);
});

test('given weights for one rank, when two workers are ranked, then the second is paid nothing and counts as unpaid', (t) => {
  const chain = newChain();
  const job = staffedJob(chain);
  const id = rankedRequest(chain, job, [w1, w2], ['1', '9'], { reward_function: 'ranked', reward_weights: [5] });
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address, w1.address] });
  const { block } = one(chain, client, { type: 'acceptResult', request_id: id });
  t.deepEqual(payoutsOf(block).slice(0, 2), [pay(evaluator, '1', 'reward'), pay(w2, '9', 'reward')]);
  t.like(
    block.jobEvents.find((e) => e.type === 'settled'),
    { unpaid: [w1.address] },
  );
});

test("given skip_evaluation, when the trusted worker's result settles the request, then it takes the workers' pool and the evaluator's part goes back to the client", (t) => {
  const chain = newChain();
  const supply = chain.total();
  const job = staffedJob(chain);
  t.is(
    one(chain, client, { type: 'requestJob', job_id: job, job_input: {}, reward: ['4', '7'], time_limit: 5000, skip_evaluation: true }).code,
    'INVALID_JOB_REQUEST',
  );
  const { id } = one(chain, client, {
    type: 'requestJob',
    job_id: job,
    job_input: {},
    reward: ['4', '7'],
    time_limit: 5000,
    skip_evaluation: true,
    worker_node: [w1.address],
  });
  t.is(one(chain, evaluator, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '20' }).code, 'ILLEGAL_TRANSITION');
  t.is(one(chain, w2, { type: 'acceptJob', request_id: id, role: 'worker' }).code, 'NOT_ALLOWED');
  t.is(one(chain, w1, { type: 'acceptJob', request_id: id, role: 'worker' }).code, 'ok');
  const { block, code } = one(chain, w1, { type: 'submitResult', request_id: id, result: 'blob://sha256:' + 'a'.repeat(64) });
  t.is(code, 'ok');
  t.is(request(chain, id).state, 'settled');
  t.deepEqual(payoutsOf(block), [pay(w1, '7', 'reward'), pay(client, '4', 'refund'), pay(admin, '3', 'fee')]); // no evaluator: the job's admin takes the fee
  t.is(chain.balance(w1.address), 1007n);
  t.is(chain.balance(client.address), 1000n - 11n - 3n + 4n);
  t.is(chain.total(), supply);
});

test('given reward [6, 9], when the request is refunded (no result; a challenge upheld), then the client gets all of it back and the evaluator none of its part', (t) => {
  const chain = newChain();
  const supply = chain.total();
  const job = staffedJob(chain);
  const { id: idle } = one(chain, client, { type: 'requestJob', job_id: job, job_input: {}, reward: ['6', '9'], time_limit: 5000 });
  one(chain, evaluator, { type: 'acceptJob', request_id: idle, role: 'evaluator', deposit: '20' });
  const noResult = chain.block([], chain.time + 6000);
  t.deepEqual(payoutsOf(noResult), [pay(client, '18', 'refund'), pay(evaluator, '20', 'deposit')]);

  const id = rankedRequest(chain, job, [w1], ['6', '9']);
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w1.address] });
  one(chain, client, { type: 'challenge', request_id: id });
  const { block } = one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: true });
  t.deepEqual(payoutsOf(block), [pay(client, '18', 'refund'), pay(client, '20', 'deposit'), pay(client, '5', 'challengeFee')]);
  t.is(chain.balance(client.address), 1020n);
  t.is(chain.balance(evaluator.address), 980n);
  t.is(chain.total(), supply);
});

test('requestJob refuses reward_weights that do not fit the reward function, and a reward that is not [evaluator, workers]', (t) => {
  const chain = newChain();
  const job = staffedJob(chain);
  const base = { type: 'requestJob' as const, job_id: job, job_input: {}, reward: ['1', '10'] as [string, string], time_limit: 5000 };
  const ranked = one(chain, client, { ...base, reward_function: 'ranked' });
  t.is(ranked.code, 'INVALID_JOB_REQUEST');
  t.regex(outcomeOf(ranked.block).message, /"ranked" splits the workers' pool by per-rank weights: give reward_weights/);
  const winner = one(chain, client, { ...base, reward_weights: [2, 1] });
  t.is(winner.code, 'INVALID_JOB_REQUEST');
  t.regex(outcomeOf(winner.block).message, /reward_weights are the per-rank weights of reward_function "ranked"; "winnerOnly" takes none/);
  t.is(one(chain, client, { ...base, reward_function: 'even', reward_weights: [1] }).code, 'INVALID_JOB_REQUEST');
  t.is(one(chain, client, { ...base, reward_function: 'ranked', reward_weights: [0, 1] }).code, 'BAD_SCHEMA');
  for (const reward of [['10'], ['1', '2', '3'], []]) {
    t.is(one(chain, client, { ...base, reward } as never).code, 'BAD_SCHEMA', JSON.stringify(reward));
    // The boundary (the API and the CLI) refuses it before any log, with this sentence.
    t.throws(() => parseOrThrow(RequestJobOp, { ...base, reward }, 'op'), {
      message: 'op field "reward": must be two amounts, [evaluator, workers]: what the evaluator is paid and the pool the workers share, e.g. ["10", "10"].',
    });
  }
  t.is(chain.balance(client.address), 1000n, 'nothing was locked');
  t.is(one(chain, stranger, { ...base, reward_function: 'ranked', reward_weights: [1, 1] }).code, 'ok');
});

test("property: the workers' shares never exceed the pool, nor one the best share; with every rank filled the pool is paid whole", (t) => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 10n ** 30n }),
      fc.constantFrom('winnerOnly', 'even', 'ranked' as const),
      fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 64 }),
      fc.integer({ min: 1, max: 64 }),
      (pool, rewardFunction, weights, ranked) => {
        const terms = { reward: ['0', pool.toString()] as const, rewardFunction, rewardWeights: rewardFunction === 'ranked' ? weights : null };
        const ranking = Array.from({ length: ranked }, (_, i) => `w${i}`);
        const shares = workerShares(terms, ranking);
        const paid = shares.reduce((total, s) => total + s.amount, 0n);
        const best = bestWorkerShare(terms);
        const filled = rewardFunction !== 'ranked' || ranked >= weights.length;
        return (
          shares.every((s, i) => s.amount >= 0n && s.amount <= best && s.to === ranking[i]) &&
          paid <= pool &&
          (!filled || paid === pool) &&
          (shares.length === 0 || shares[0]!.amount === shares.reduce((top, s) => (s.amount > top ? s.amount : top), 0n) || rewardFunction === 'ranked')
        );
      },
    ),
    { numRuns: 500 },
  );
  t.pass();
});
