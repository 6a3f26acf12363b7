import test from 'ava';
import { explainJob, explainRequest, type ExplainInput, type NodeStanding } from '../../../actors/index.ts';
import type { KeyPair } from '../../../log/index.ts';
import type { Op } from '../../../schemas/index.ts';
import { TestChain } from '../ledger/chain.ts';
import { admin, client, evaluator, newChain, one, schemaText, stranger, w1, w2, w3 } from '../job/jobWorld.ts';

// explain over folded ledgers: given these blocks, the explanation names the state, since when,
// who could take the request and why they have not, the next deadline and every refused tx.

/** Given these blocks' refusals, by tx hash: the sentence each block recorded (what a node's block store gives). */
class World {
  readonly chain: TestChain;
  readonly messages = new Map<string, string>();
  constructor(chain = newChain()) {
    this.chain = chain;
  }
  send(from: KeyPair, op: Op, time?: number): { id: string; code: string } {
    const { block, id, code } = one(this.chain, from, op, time);
    const outcome = block.outcomes[0]!;
    if ('message' in outcome) this.messages.set(id, outcome.message);
    return { id, code };
  }
  ok(from: KeyPair, op: Op, time?: number): string {
    const { id, code } = this.send(from, op, time);
    if (code !== 'ok') throw new Error(`${op.type} came to ${code}`);
    return id;
  }
  get input(): ExplainInput {
    const { chain } = this.chain;
    return {
      tree: chain.ledger.tree,
      height: chain.ledger.height,
      readModels: chain.readModels,
      time: chain.position.prevTime,
      messageOf: ({ hash }) => this.messages.get(hash),
    };
  }
  /** A job (challenge fee 5) with `requirements`, its nodes applied with what they report and approved. */
  job(requirements: { cpu?: number } | undefined, nodes: readonly (readonly [KeyPair, 'evaluator' | 'worker', Record<string, unknown>?])[]): string {
    const job = this.ok(admin, { type: 'registerJob', job_specification: schemaText, fee: '3', challenge_fee: '5', ...(requirements ? { requirements } : {}) });
    for (const [who, role, report] of nodes) {
      this.ok(who, { type: 'applyJob', job_id: job, role, ...report } as Op);
      this.ok(admin, { type: 'approveNode', job_id: job, node: who.address, role });
    }
    return job;
  }
}

const reasonsOf = (nodes: readonly NodeStanding[], who: KeyPair) => nodes.find((n) => n.address === who.address)?.reasons.map((r) => r.reason);

test('given a request its evaluator took, when no approved worker may or will take it, then it waits for workers and says why each has not', (t) => {
  const world = new World();
  const job = world.job({ cpu: 8 }, [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
    [w2, 'worker', { machine: { cpu: 2 } }],
    [w3, 'worker', { min_reward: '100' }],
  ]);
  world.ok(stranger, { type: 'applyJob', job_id: job, role: 'worker' }); // applied, never approved
  const request = world.ok(client, {
    type: 'requestJob',
    job_id: job,
    job_input: { y: 4 },
    reward: ['0', '10'],
    time_limit: 60_000,
    worker_node: [w2.address, w3.address],
  });
  const acceptedAt = world.chain.time + 1000;
  world.ok(evaluator, { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' }, acceptedAt);
  world.chain.block([], acceptedAt + 5000);

  const explained = explainRequest(world.input, request)!;
  t.is(explained.state, 'accepted');
  t.is(explained.since, acceptedAt);
  t.is(explained.time, acceptedAt + 5000);
  t.is(explained.awaiting, 'workers');
  t.like(explained.deadline, { at: acceptedAt + 60_000, inMs: 55_000, then: 'refunded' });
  const { workers } = explained;
  t.true(workers.open);
  t.deepEqual(workers.applied, [stranger.address]);
  t.like(workers.counts, { approved: 3, applied: 1, dropped: 0, eligible: 2, ineligible: 1 });
  t.deepEqual(reasonsOf(workers.ineligible, w1), ['allowList']);
  t.is(workers.ineligible[0]!.reasons[0]!.code, 'NOT_ALLOWED');
  t.deepEqual(reasonsOf(workers.eligible, w2), ['machine']);
  t.deepEqual(reasonsOf(workers.eligible, w3), ['minReward']);
  t.false(explained.evaluators!.open, 'it has its evaluator');
  t.deepEqual(explained.evaluators!.accepted, [evaluator.address]);
  const text = explained.sentences.join('\n');
  t.regex(text, /is accepted since/);
  t.regex(text, /it waits for workers to accept it/);
  t.regex(text, new RegExp(`${w1.address} may not accept it: it is not on the request's worker allow-list`));
  t.regex(text, new RegExp(`${w2.address} may accept it but has not: the job needs 8 CPUs and its agent reported 2`));
  t.regex(
    text,
    new RegExp(
      `${w3.address} may accept it but has not: its agent takes no reward below 100 AIN and the best a worker can get from this request's pool \\(winnerOnly\\) is 10 AIN`,
    ),
  );
  t.regex(text, /Its time limit ends at .* \(in 55 s\): with no worker's result by then, it is refunded to the client \(noResult\)\./);
  t.regex(text, /No tx naming this request was refused\./);
});

test('given a job without approved workers or evaluators, then a request waits for an evaluator none can be, and the job says so', (t) => {
  const world = new World();
  const job = world.job(undefined, []);
  world.ok(w1, { type: 'applyJob', job_id: job, role: 'worker' });
  const request = world.ok(client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['0', '10'], time_limit: 60_000 });
  const explained = explainRequest(world.input, request)!;
  t.is(explained.state, 'requested');
  t.is(explained.awaiting, 'evaluator');
  t.true(explained.evaluators!.open);
  t.false(explained.workers.open, 'workers wait for the evaluator');
  t.is(explained.evaluators!.counts.approved, 0);
  t.regex(explained.sentences.join('\n'), /The job has no approved evaluator: none can accept it until a node applies as evaluator/);
  t.regex(explained.sentences.join('\n'), /unless an evaluator accepts it first .* it is then refunded to the client \(noEvaluator\)/);

  const jobExplained = explainJob(world.input, job)!;
  t.like(jobExplained.requests, { total: 1, open: 1, settled: 0, refunded: 0 });
  t.deepEqual(jobExplained.requests.nextDeadlines, [{ request, state: 'requested', at: explained.deadline!.at, inMs: explained.deadline!.inMs }]);
  t.deepEqual(jobExplained.workers.applied, [w1.address]);
  const text = jobExplained.sentences.join('\n');
  t.regex(text, /No evaluator is approved: its requests wait for one/);
  t.regex(text, /No worker is approved: .*1 node applied and waits for an admin's approveNode/);
  t.regex(text, /The next deadline of its open requests passes at .*: request [0-9a-f]{16}…, requested\./);
});

test('given an evaluator that took a request and lapsed, then ranking waits on it, and once the rank window passes the refund names it', (t) => {
  const world = new World(newChain({ rankWindowMs: 30_000 }));
  const job = world.job(undefined, [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
  ]);
  const request = world.ok(client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['0', '10'], time_limit: 60_000 });
  world.ok(evaluator, { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' });
  const limitAt = world.chain.time + 60_000;
  const runningAt = world.chain.time + 1000;
  world.ok(w1, { type: 'acceptJob', request_id: request, role: 'worker' }, runningAt);
  t.is(explainRequest(world.input, request)!.since, runningAt, 'running since its first worker accepted');
  world.ok(w1, { type: 'submitResult', request_id: request, result: { x: 2 } });
  const pastLimit = limitAt + 2000;
  world.chain.block([], pastLimit);

  const ranking = explainRequest(world.input, request)!;
  t.is(ranking.state, 'ranking');
  t.is(ranking.since, pastLimit);
  t.is(ranking.awaiting, 'ranking');
  t.like(ranking.deadline, { at: pastLimit + 30_000, then: 'refunded' });
  t.regex(ranking.sentences.join('\n'), new RegExp(`it waits for its evaluator ${evaluator.address} to rank them`));
  t.regex(
    ranking.deadline!.sentence,
    /Its rank window ends at .*the request is refunded \(noRanking\) and the evaluator's deposit of 20 AIN goes to the client/,
  );

  const refundedAt = pastLimit + 31_000;
  const block = world.chain.block([], refundedAt);
  const refunded = explainRequest(world.input, request)!;
  t.is(refunded.state, 'refunded');
  t.is(refunded.refundReason, 'noRanking');
  t.is(refunded.since, refundedAt);
  t.is(refunded.awaiting, null);
  t.is(refunded.deadline, null);
  t.regex(
    refunded.sentences.join('\n'),
    new RegExp(
      `It was refunded to the client in block ${block.header.height}: its evaluator ${evaluator.address} did not rank the 1 result within the rank window of 30 s after its time limit, so its deposit of 20 AIN went to the client\\.`,
    ),
  );
  t.is(explainJob(world.input, job)!.evaluators.counts.busy, 0, 'the evaluator is on no open request any more');
});

test('given a worker whose run failed, then the request waits on the others only, names the failure and where its log is, and a refund says so', (t) => {
  const world = new World();
  const job = world.job(undefined, [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
    [w2, 'worker'],
  ]);
  const request = world.ok(client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['0', '10'], time_limit: 60_000 });
  world.ok(evaluator, { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' });
  for (const w of [w1, w2]) world.ok(w, { type: 'acceptJob', request_id: request, role: 'worker' });
  world.ok(w1, { type: 'submitResult', request_id: request, failure: { code: 'RUN_TIMEOUT', message: 'too slow' } });
  const running = explainRequest(world.input, request)!.sentences.join('\n');
  t.regex(running, /; 0 submitted a result\./);
  t.regex(
    running,
    new RegExp(`The run of ${w1.address} \\(RUN_TIMEOUT\\) failed and submitted no result, so it is not ranked; ain logs ${request} shows why\\.`),
  );
  t.regex(running, new RegExp(`It waits for results from ${w2.address}\\.`));
  world.chain.block([], world.chain.time + 61_000);
  const refunded = explainRequest(world.input, request)!;
  t.is(refunded.refundReason, 'noResult');
  t.regex(
    refunded.sentences.join('\n'),
    /no worker submitted a result before its time limit ended \(2 workers had accepted it\)\.\nThe run of .* \(RUN_TIMEOUT\) failed/,
  );
});

test('given refused txs about a request and its job, then both explanations list each with its code and its block’s sentence', (t) => {
  const world = new World();
  const job = world.job(undefined, [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
  ]);
  const request = world.ok(client, {
    type: 'requestJob',
    job_id: job,
    job_input: { y: 4 },
    reward: ['0', '10'],
    time_limit: 60_000,
    worker_node: [w2.address],
  });
  const early = world.send(w1, { type: 'acceptJob', request_id: request, role: 'worker' });
  t.is(early.code, 'NOT_ALLOWED');
  const rank = world.send(stranger, { type: 'rank', request_id: request, ranking: [w1.address] });
  t.is(rank.code, 'NOT_ALLOWED');
  const poor = world.send(stranger, { type: 'requestJob', job_id: job, job_input: {}, reward: ['0', '5000'], time_limit: 1000 });
  t.is(poor.code, 'INSUFFICIENT_FUNDS');

  const explained = explainRequest(world.input, request)!;
  t.is(explained.refused.count, 2);
  t.deepEqual(
    explained.refused.txs.map((r) => [r.hash, r.op, r.role, r.from, r.code]),
    [
      [early.id, 'acceptJob', 'worker', w1.address, 'NOT_ALLOWED'],
      [rank.id, 'rank', undefined, stranger.address, 'NOT_ALLOWED'],
    ],
  );
  t.is(explained.refused.txs[0]!.message, world.messages.get(early.id));
  const text = explained.sentences.join('\n');
  t.regex(text, /2 txs naming this request were refused:/);
  t.regex(text, new RegExp(`acceptJob as worker by ${w1.address} in block \\d+ \\(tx ${early.id.slice(0, 16)}…\\) was refused NOT_ALLOWED: .*allow-list`));
  t.regex(text, new RegExp(`rank by ${stranger.address} in block \\d+ .* was refused NOT_ALLOWED: Only request`));

  const jobExplained = explainJob(world.input, job)!;
  t.is(jobExplained.refused.count, 1);
  t.like(jobExplained.refused.txs[0], { hash: poor.id, op: 'requestJob', code: 'INSUFFICIENT_FUNDS' });
  t.regex(jobExplained.sentences.join('\n'), /requestJob by .* was refused INSUFFICIENT_FUNDS: /);

  // Without a block store's sentences, the codes alone.
  const bare = explainRequest({ ...world.input, messageOf: undefined }, request)!;
  t.is(bare.refused.txs[0]!.message, undefined);
});

test('an eligible worker whose own acceptJob was refused, and one busy elsewhere, are told apart from one the ledger knows nothing of', (t) => {
  const world = new World();
  const job = world.job(undefined, [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
    [w2, 'worker'],
    [w3, 'worker'],
  ]);
  const first = world.ok(client, { type: 'requestJob', job_id: job, job_input: { y: 1 }, reward: ['0', '10'], time_limit: 60_000 });
  const second = world.ok(client, { type: 'requestJob', job_id: job, job_input: { y: 2 }, reward: ['0', '10'], time_limit: 60_000 });
  t.is(world.send(w1, { type: 'acceptJob', request_id: second, role: 'worker' }).code, 'ILLEGAL_TRANSITION'); // before its evaluator
  world.ok(evaluator, { type: 'acceptJob', request_id: first, role: 'evaluator', deposit: '20' });
  world.ok(evaluator, { type: 'acceptJob', request_id: second, role: 'evaluator', deposit: '20' });
  world.ok(w2, { type: 'acceptJob', request_id: first, role: 'worker' });

  const { workers, evaluators } = explainRequest(world.input, second)!;
  t.deepEqual(reasonsOf(workers.eligible, w1), ['refused']);
  t.is(workers.eligible.find((n) => n.address === w1.address)!.reasons[0]!.code, 'ILLEGAL_TRANSITION');
  t.deepEqual(reasonsOf(workers.eligible, w2), ['busy']);
  t.deepEqual(workers.busy, [{ address: w2.address, openRequests: 1 }]);
  t.deepEqual(reasonsOf(workers.eligible, w3), ['noneKnown']);
  t.deepEqual(evaluators!.busy, [{ address: evaluator.address, openRequests: 1 }], 'the evaluator is on the other request too');
  t.like(explainJob(world.input, job)!.evaluators.busy[0], { address: evaluator.address, openRequests: 2 });
});

test('explanations are a function of the chain: a replay, and a chain resumed from a snapshot, explain alike', (t) => {
  const build = (snapshotAt?: number) => {
    const world = new World();
    const job = world.job({ cpu: 4 }, [
      [evaluator, 'evaluator'],
      [w1, 'worker', { machine: { cpu: 1 } }],
    ]);
    const request = world.ok(client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['0', '10'], time_limit: 60_000 });
    world.send(w2, { type: 'acceptJob', request_id: request, role: 'worker' });
    world.ok(evaluator, { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' });
    return { world, job, request, snapshot: snapshotAt === undefined ? undefined : world.chain.chain.snapshot() };
  };
  const a = build();
  const b = build(0);
  t.deepEqual(explainRequest(a.world.input, a.request), explainRequest(b.world.input, b.request));
  t.deepEqual(explainJob(a.world.input, a.job), explainJob(b.world.input, b.job));
  const resumed = new World(new TestChain(a.world.chain.ledger.genesis, b.snapshot));
  resumed.messages.clear();
  t.deepEqual(explainRequest({ ...resumed.input, messageOf: undefined }, b.request), explainRequest({ ...a.world.input, messageOf: undefined }, a.request));
  t.is(explainRequest(a.world.input, a.job), null, 'a job is no request');
  t.is(explainJob(a.world.input, a.request), null, 'a request is no job');
});
