import test from 'ava';
import { jobPaths, readNode } from '../../../actors/index.ts';
import { admin, client, evaluator, newChain, nodeState, one, rankedRequest, request, schemaText, staffedJob, stranger, w1, w2, w3 } from './jobWorld.ts';

// The paper's session (§2.2.3, §3) folded block by block: initialization, execution, resolution.

test("given a staffed job, when a client requests with the paper's reward [10, 10], workers submit, the evaluator ranks and the client accepts, then the evaluator and the winner get 10 each, the fee and deposit are paid", (t) => {
  const chain = newChain();
  const supply = chain.total();
  const job = staffedJob(chain);
  t.is(nodeState(chain, job, w1), 'approved');
  const id = rankedRequest(chain, job);
  t.is(request(chain, id).state, 'ranking');
  t.is(chain.balance(client.address), 1000n - 23n);
  t.is(chain.balance(evaluator.address), 980n);
  const { code } = one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address, w1.address] });
  t.is(code, 'ok');
  t.is(request(chain, id).state, 'ranked');
  const { block, code: accepted } = one(chain, client, { type: 'acceptResult', request_id: id });
  t.is(accepted, 'ok');
  t.is(request(chain, id).state, 'settled');
  t.is(chain.balance(w2.address), 1010n); // winnerOnly, the default: the workers' 10 to the best
  t.is(chain.balance(w1.address), 1000n);
  t.is(chain.balance(admin.address), 1003n); // the fee goes to the evaluator's parent admin
  t.is(chain.balance(evaluator.address), 1010n); // its deposit back and the evaluator's 10
  t.is(chain.balance(client.address), 977n);
  t.is(chain.total(), supply);
  t.is(chain.ledger.tree.get('/consensus/escrow'), '0');
  const settled = block.jobEvents.find((e) => e.type === 'settled');
  t.like(settled, { type: 'settled', request: id, client: client.address, evaluator: evaluator.address, unpaid: [w1.address] });
  t.deepEqual(settled?.type === 'settled' ? settled.payouts : [], [
    { to: evaluator.address, amount: '10', kind: 'reward' },
    { to: w2.address, amount: '10', kind: 'reward' },
    { to: admin.address, amount: '3', kind: 'fee' },
    { to: evaluator.address, amount: '20', kind: 'deposit' },
  ]);
  t.deepEqual(JSON.parse(chain.ledger.tree.get(jobPaths.result(id, w1.address)) as string), { x: 2 });
});

test('a challenge upheld by the parent admin refunds the client with the evaluator’s deposit and its challenge fee', (t) => {
  const chain = newChain();
  const supply = chain.total();
  const job = staffedJob(chain);
  const id = rankedRequest(chain, job);
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w1.address, w2.address] });
  t.is(one(chain, client, { type: 'challenge', request_id: id, reason: 'x*x is not 4' }).code, 'ok');
  t.is(request(chain, id).state, 'challenged');
  t.is(chain.balance(client.address), 1000n - 23n - 5n);
  t.is(one(chain, stranger, { type: 'resolveChallenge', request_id: id, uphold: true }).code, 'NOT_ALLOWED');
  const { block, code } = one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: true });
  t.is(code, 'ok');
  t.is(request(chain, id).state, 'refunded');
  t.is(chain.balance(client.address), 1020n); // everything back, and the deposit
  t.is(chain.balance(evaluator.address), 980n);
  t.is(chain.balance(w1.address), 1000n);
  t.is(chain.total(), supply);
  t.like(
    block.jobEvents.find((e) => e.type === 'refunded'),
    { reason: 'challengeUpheld' },
  );
  t.like(
    block.jobEvents.find((e) => e.type === 'challengeResolved'),
    { upheld: true, resolver: admin.address, payouts: [] },
  );
});

test('a rejected challenge pays its fee to the admin and reopens the claim; the claim window then settles; challenges are limited', (t) => {
  const chain = newChain({ maxChallenges: 1, claimWindowMs: 10_000 });
  const supply = chain.total();
  const job = staffedJob(chain);
  const id = rankedRequest(chain, job);
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w1.address] });
  one(chain, client, { type: 'challenge', request_id: id });
  const rejected = one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: false });
  t.is(rejected.code, 'ok');
  t.like(
    rejected.block.jobEvents.find((e) => e.type === 'challengeResolved'),
    { upheld: false, resolver: admin.address, payouts: [{ to: admin.address, amount: '5', kind: 'challengeFee' }] },
  );
  t.is(request(chain, id).state, 'ranked');
  t.is(chain.balance(admin.address), 1005n);
  const again = one(chain, client, { type: 'challenge', request_id: id });
  t.is(again.code, 'ILLEGAL_TRANSITION');
  t.regex((again.block.outcomes[0] as { message: string }).message, /ranked.*challenged 1 times/);
  const { block } = one(chain, stranger, { type: 'send', to: client.address, amount: '0' }, chain.time + 10_000);
  t.is(request(chain, id).state, 'settled');
  t.like(block.jobEvents[0], { type: 'settled', unpaid: [w2.address] }); // only w1 was ranked
  t.is(chain.balance(w1.address), 1010n);
  t.is(chain.balance(evaluator.address), 1010n);
  t.is(chain.balance(client.address), 1000n - 23n - 5n); // its challenge fee went to the admin
  t.is(chain.total(), supply);
});

test('a challenge nobody resolves lapses as rejected, its fee back to the client', (t) => {
  const chain = newChain({ resolveWindowMs: 3000 });
  const job = staffedJob(chain);
  const id = rankedRequest(chain, job);
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w1.address, w2.address] });
  one(chain, client, { type: 'challenge', request_id: id });
  chain.block([], chain.time + 3000);
  t.is(request(chain, id).state, 'ranked');
  t.is(chain.balance(client.address), 1000n - 23n);
});

test('refunds: nobody accepts in time; no worker submits; the evaluator does not rank (its deposit to the client)', (t) => {
  const chain = newChain({ rankWindowMs: 2000 });
  const supply = chain.total();
  const job = staffedJob(chain);
  const lonely = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['0', '10'], time_limit: 5000 }).id;
  const idle = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['0', '10'], time_limit: 5000 }).id;
  one(chain, evaluator, { type: 'acceptJob', request_id: idle, role: 'evaluator', deposit: '20' });
  chain.block([], chain.time + 4000); // past lonely's limit (from its request), not idle's (from its evaluator)
  t.is(request(chain, lonely).state, 'refunded');
  t.is(request(chain, lonely).context.refundReason, 'noEvaluator');
  t.is(request(chain, idle).state, 'accepted');
  chain.block([], chain.time + 6000);
  t.is(request(chain, idle).state, 'refunded');
  t.is(request(chain, idle).context.refundReason, 'noResult');
  t.is(chain.balance(evaluator.address), 1000n); // not the evaluator's fault

  const lazy = rankedRequest(chain, job, [w1]);
  const { block } = one(chain, stranger, { type: 'send', to: client.address, amount: '0' }, chain.time + 2000);
  t.is(request(chain, lazy).state, 'refunded');
  t.like(block.jobEvents[0], { type: 'refunded', reason: 'noRanking' });
  t.is(chain.balance(evaluator.address), 980n);
  t.is(chain.balance(client.address), 1020n);
  t.is(chain.total(), supply);
});

test('refused steps name their code: unknown ids, unapproved or dropped nodes, allow-lists, deposits, rankings, wrong parties', (t) => {
  const chain = newChain();
  const job = staffedJob(chain);
  const missing = 'f'.repeat(64);
  t.is(one(chain, w1, { type: 'applyJob', job_id: missing, role: 'worker' }).code, 'UNKNOWN_JOB');
  t.is(one(chain, w1, { type: 'applyJob', job_id: job, role: 'worker' }).code, 'ILLEGAL_TRANSITION'); // already approved
  t.is(one(chain, stranger, { type: 'approveNode', job_id: job, node: w1.address, role: 'worker' }).code, 'NOT_APPROVED');
  t.is(one(chain, admin, { type: 'approveNode', job_id: job, node: stranger.address, role: 'worker' }).code, 'ILLEGAL_TRANSITION'); // never applied
  t.is(one(chain, client, { type: 'requestJob', job_id: job, job_input: {}, reward: ['0', '5000'], time_limit: 10 }).code, 'INSUFFICIENT_FUNDS');
  const { id } = one(chain, client, {
    type: 'requestJob',
    job_id: job,
    job_input: {},
    reward: ['0', '10'],
    time_limit: 60_000,
    evaluator_node: [evaluator.address],
  });
  t.is(one(chain, w1, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '20' }).code, 'NOT_APPROVED');
  t.is(one(chain, evaluator, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '5' }).code, 'DEPOSIT_TOO_SMALL');
  t.is(one(chain, evaluator, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '5000' }).code, 'INSUFFICIENT_FUNDS');
  t.is(one(chain, w1, { type: 'submitResult', request_id: id, result: 1 }).code, 'NOT_ALLOWED');
  t.is(one(chain, evaluator, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '20' }).code, 'ok');
  t.is(one(chain, evaluator, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '20' }).code, 'NOT_ALLOWED');
  t.is(one(chain, admin, { type: 'drop', job_id: job, node: w3.address }).code, 'ok');
  t.is(nodeState(chain, job, w3), 'dropped');
  t.is(one(chain, w3, { type: 'acceptJob', request_id: id, role: 'worker' }).code, 'NOT_APPROVED');
  t.is(one(chain, admin, { type: 'drop', job_id: job, node: w3.address }).code, 'ILLEGAL_TRANSITION');
  t.is(one(chain, w3, { type: 'applyJob', job_id: job, role: 'worker' }).code, 'ILLEGAL_TRANSITION');
  one(chain, w1, { type: 'acceptJob', request_id: id, role: 'worker' });
  one(chain, w2, { type: 'acceptJob', request_id: id, role: 'worker' });
  one(chain, w1, { type: 'submitResult', request_id: id, result: 1 });
  t.is(one(chain, w1, { type: 'submitResult', request_id: id, result: 2 }).code, 'ILLEGAL_TRANSITION');
  const early = one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w1.address] });
  t.is(early.code, 'ILLEGAL_TRANSITION');
  t.regex((early.block.outcomes[0] as { message: string }).message, /is running; rank is not allowed there until block time passes its time limit/);
  t.is(one(chain, client, { type: 'acceptResult', request_id: id }).code, 'ILLEGAL_TRANSITION');
  chain.block([], chain.time + 60_000);
  t.is(one(chain, w1, { type: 'rank', request_id: id, ranking: [w1.address] }).code, 'NOT_ALLOWED');
  t.is(one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address] }).code, 'BAD_RANKING'); // submitted nothing
  t.is(one(chain, evaluator, { type: 'rank', request_id: id, ranking: [stranger.address] }).code, 'BAD_RANKING');
  t.is(one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w1.address, w1.address] }).code, 'BAD_RANKING');
  t.is(one(chain, w2, { type: 'acceptResult', request_id: id }).code, 'NOT_ALLOWED');
  t.is(one(chain, client, { type: 'set_value', path: `/jobs/requests/${id}`, value: 'mine' }).code, 'RESERVED_PATH');
});

test('approvals and drops are rate limited per admin in the job’s window of block time', (t) => {
  const chain = newChain();
  const { id: job } = one(chain, admin, { type: 'registerJob', job_specification: schemaText, max_approvals: 2, max_drops: 1, window_ms: 10_000 });
  for (const w of [w1, w2, w3]) one(chain, w, { type: 'applyJob', job_id: job, role: 'worker' });
  t.is(one(chain, admin, { type: 'approveNode', job_id: job, node: w1.address, role: 'worker' }).code, 'ok');
  t.is(one(chain, admin, { type: 'approveNode', job_id: job, node: w2.address, role: 'worker' }).code, 'ok');
  t.is(one(chain, admin, { type: 'approveNode', job_id: job, node: w3.address, role: 'worker' }).code, 'RATE_LIMITED');
  t.is(one(chain, admin, { type: 'drop', job_id: job, node: w1.address }).code, 'ok');
  t.is(one(chain, admin, { type: 'drop', job_id: job, node: w2.address }).code, 'RATE_LIMITED');
  t.is(one(chain, w2, { type: 'drop', job_id: job, node: w2.address }).code, 'ok'); // leaving by itself is not limited
  t.is(one(chain, admin, { type: 'approveNode', job_id: job, node: w3.address, role: 'worker' }, chain.time + 10_000).code, 'ok');
});

test('a client cannot be judge: an evaluator it approved may not take its request; a dropped parent admin’s role falls to the job’s admin', (t) => {
  const chain = newChain();
  const job = staffedJob(chain);
  // The client becomes an admin of the job and approves an evaluator of its own.
  one(chain, client, { type: 'applyJob', job_id: job, role: 'admin' });
  one(chain, admin, { type: 'approveNode', job_id: job, node: client.address, role: 'admin' });
  one(chain, stranger, { type: 'applyJob', job_id: job, role: 'evaluator' });
  t.is(one(chain, client, { type: 'approveNode', job_id: job, node: stranger.address, role: 'evaluator' }).code, 'ok');
  const { id } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['0', '10'], time_limit: 60_000 });
  t.is(one(chain, stranger, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '20' }).code, 'NOT_ALLOWED');

  // Another admin approves an evaluator, is dropped, and the job's admin resolves in its place.
  const other = rankedRequest(chain, job);
  one(chain, evaluator, { type: 'rank', request_id: other, ranking: [w1.address] });
  one(chain, client, { type: 'drop', job_id: job, node: client.address });
  one(chain, client, { type: 'challenge', request_id: other });
  t.is(one(chain, admin, { type: 'resolveChallenge', request_id: other, uphold: false }).code, 'ok');
});

test('oversized inline payloads, zero rewards and endless time limits are refused, and the chain goes on', (t) => {
  const chain = newChain({ maxTimeLimitMs: 100_000 });
  const job = staffedJob(chain);
  t.is(
    one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 'a'.repeat(20_000) }, reward: ['0', '10'], time_limit: 60_000 }).code,
    'TOO_LARGE',
  );
  t.is(one(chain, client, { type: 'requestJob', job_id: job, job_input: {}, reward: ['0', '0'], time_limit: 60_000 }).code, 'INVALID_JOB_REQUEST');
  t.is(one(chain, client, { type: 'requestJob', job_id: job, job_input: {}, reward: ['0', '1'], time_limit: 100_001 }).code, 'INVALID_JOB_REQUEST');
  const { id } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['0', '10'], time_limit: 60_000 });
  t.deepEqual(JSON.parse(chain.ledger.tree.get(jobPaths.input(id)) as string), { y: 4 });
  one(chain, evaluator, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '20' });
  one(chain, w1, { type: 'acceptJob', request_id: id, role: 'worker' });
  t.is(one(chain, w1, { type: 'submitResult', request_id: id, result: { x: 'b'.repeat(70_000) } }).code, 'TOO_LARGE');
  t.is(request(chain, id).state, 'running');
  t.is(one(chain, w1, { type: 'submitResult', request_id: id, result: { x: 2 } }).code, 'ok');
});

test('the client rejects a worker while the request runs: its result is set aside, it cannot accept again or be ranked, and only the client may', (t) => {
  const chain = newChain();
  const supply = chain.total();
  const job = staffedJob(chain);
  const { id } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 60_000 });
  one(chain, evaluator, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '20' });
  for (const w of [w1, w2]) one(chain, w, { type: 'acceptJob', request_id: id, role: 'worker' });
  one(chain, w2, { type: 'submitResult', request_id: id, result: { x: 7 } });
  t.is(one(chain, stranger, { type: 'rejectWorker', request_id: id, worker: w2.address }).code, 'NOT_ALLOWED');
  t.is(one(chain, client, { type: 'rejectWorker', request_id: id, worker: w3.address }).code, 'NOT_ALLOWED', 'w3 never accepted');
  const { block, code } = one(chain, client, { type: 'rejectWorker', request_id: id, worker: w2.address, reason: 'its reputation' });
  t.is(code, 'ok');
  t.like(block.jobEvents[0], { type: 'workerRejected', request: id, node: w2.address, client: client.address, reason: 'its reputation' });
  t.deepEqual(Object.keys(request(chain, id).context.workers), [w1.address]);
  t.deepEqual(request(chain, id).context.rejected, [w2.address]);
  t.is(chain.ledger.tree.get(jobPaths.result(id, w2.address)), null);
  const again = one(chain, w2, { type: 'acceptJob', request_id: id, role: 'worker' });
  t.is(again.code, 'NOT_ALLOWED');
  t.regex((again.block.outcomes[0] as { message: string }).message, /rejected/);
  t.is(one(chain, w2, { type: 'submitResult', request_id: id, result: { x: 2 } }).code, 'NOT_ALLOWED');
  one(chain, w1, { type: 'submitResult', request_id: id, result: { x: 2 } });
  chain.block([], chain.time + 60_000);
  t.is(one(chain, client, { type: 'rejectWorker', request_id: id, worker: w1.address }).code, 'ILLEGAL_TRANSITION', 'past the time limit');
  t.is(one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address, w1.address] }).code, 'BAD_RANKING');
  t.is(one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w1.address] }).code, 'ok');
  t.is(one(chain, client, { type: 'acceptResult', request_id: id }).code, 'ok');
  t.is(chain.balance(w1.address), 1010n);
  t.is(chain.balance(w2.address), 1000n);
  t.is(chain.total(), supply);
});

test('applyJob keeps what the applicant reports of its machine and least reward; a node that reports nothing is stored as before', (t) => {
  const chain = newChain();
  const { id: job } = one(chain, admin, { type: 'registerJob', job_specification: schemaText });
  t.is(one(chain, w1, { type: 'applyJob', job_id: job, role: 'worker', machine: { cpu: 4, memory_mb: 8000, gpu: 0 }, min_reward: '7' }).code, 'ok');
  t.is(one(chain, w2, { type: 'applyJob', job_id: job, role: 'worker' }).code, 'ok');
  t.like(readNode(chain.ledger.tree, job, w1.address)!.context, { machine: { cpu: 4, memory_mb: 8000, gpu: 0 }, minReward: '7' });
  t.deepEqual(Object.keys(readNode(chain.ledger.tree, job, w2.address)!.context), ['job', 'node', 'role', 'appliedAt', 'parent', 'approvedAt', 'droppedAt']);
  t.is(one(chain, w3, { type: 'applyJob', job_id: job, role: 'worker', min_reward: '-1' } as never).code, 'BAD_SCHEMA');
});

test('a worker whose run failed submits its failure and log: kept with the worker, never a result, never ranked, unpaid at settlement; failures alone are refunded', (t) => {
  const chain = newChain();
  const job = staffedJob(chain);
  const log = `blob://sha256:${'b'.repeat(64)}`;
  const failure = { code: 'RUN_FAILED', message: 'The job exited with code 3; see its stderr tail.' } as const;
  const { id } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 60_000 });
  one(chain, evaluator, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '20' });
  for (const w of [w1, w2]) one(chain, w, { type: 'acceptJob', request_id: id, role: 'worker' });
  const failed = one(chain, w1, { type: 'submitResult', request_id: id, failure, log });
  t.is(failed.code, 'ok');
  t.like(failed.block.jobEvents[0], { type: 'submitted', node: w1.address, failure: 'RUN_FAILED', log });
  t.is(one(chain, w1, { type: 'submitResult', request_id: id, result: { x: 2 } }).code, 'ILLEGAL_TRANSITION', 'one submission per worker');
  t.is(one(chain, w2, { type: 'submitResult', request_id: id, result: { x: 2 }, log }).code, 'ok');
  t.like(request(chain, id).context.workers[w1.address], { failure, log });
  t.is(chain.ledger.tree.get(jobPaths.result(id, w1.address)), null, 'a failure is no result');
  chain.block([], chain.time + 60_000);
  const ranked = one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address, w1.address] });
  t.is(ranked.code, 'BAD_RANKING');
  t.regex((ranked.block.outcomes[0] as { message: string }).message, /run failed \(RUN_FAILED\)/);
  t.is(one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address] }).code, 'ok');
  const settled = one(chain, client, { type: 'acceptResult', request_id: id }).block.jobEvents.find((e) => e.type === 'settled');
  t.like(settled, { unpaid: [w1.address] });

  // Only failures: past the time limit the request is refunded (noResult), so no evaluator is left with nothing to rank.
  const { id: second } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 60_000 });
  one(chain, evaluator, { type: 'acceptJob', request_id: second, role: 'evaluator', deposit: '20' });
  one(chain, w3, { type: 'acceptJob', request_id: second, role: 'worker' });
  t.is(one(chain, w3, { type: 'submitResult', request_id: second, failure: { code: 'RUN_TIMEOUT', message: 'too slow' } }).code, 'ok');
  chain.block([], chain.time + 60_000);
  t.like(request(chain, second), { state: 'refunded', context: { refundReason: 'noResult' } });

  // skip_evaluation: a trusted worker's failure does not settle the request.
  const { id: trusted } = one(chain, client, {
    type: 'requestJob',
    job_id: job,
    job_input: { y: 4 },
    reward: ['0', '10'],
    time_limit: 60_000,
    skip_evaluation: true,
    worker_node: [w1.address, w2.address],
  });
  one(chain, w1, { type: 'acceptJob', request_id: trusted, role: 'worker' });
  one(chain, w1, { type: 'submitResult', request_id: trusted, failure });
  t.is(request(chain, trusted).state, 'running');
});
