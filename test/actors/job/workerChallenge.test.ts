import test from 'ava';
import { explainRequest, jobPaths, readRequest } from '../../../actors/index.ts';
import type { JobEvent } from '../../../schemas/index.ts';
import { admin, client, evaluator, newChain, one, rankedRequest, request, staffedJob, stranger, w1, w2, w3 } from './jobWorld.ts';

// The paper: "If the client or one of the contracted workers thinks the evaluation result is wrong,
// it can request a re-evaluation to the parent node"; "if the worker's challenge is not accepted
// after multiple attempts, the reputation of workers may also drop".

const eventOf = <T extends JobEvent['type']>(events: readonly JobEvent[], type: T) => events.find((e): e is Extract<JobEvent, { type: T }> => e.type === type);

test('given w1 ranked second, when it challenges and the parent admin upholds with a corrected ranking, then the deposit and its fee go to w1, the request is ranked again by it and settles by it, the evaluator unpaid', (t) => {
  const chain = newChain();
  const supply = chain.total();
  const job = staffedJob(chain);
  const id = rankedRequest(chain, job); // reward [10, 10], winnerOnly; fee 3, challenge fee 5, deposit 20
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address, w1.address] });
  const challenged = one(chain, w1, { type: 'challenge', request_id: id, reason: 'my x squares to 4' });
  t.is(challenged.code, 'ok');
  t.like(eventOf(challenged.block.jobEvents, 'challenged'), { client: client.address, evaluator: evaluator.address, challenger: w1.address });
  t.is(request(chain, id).state, 'challenged');
  t.is(request(chain, id).context.challenger, w1.address);
  t.is(chain.balance(w1.address), 995n);
  const view = { tree: chain.ledger.tree, height: chain.ledger.height, readModels: chain.chain.readModels, time: chain.chain.position.prevTime };
  const explained = explainRequest(view, id)!;
  t.is(explained.awaiting, 'resolver');
  t.true(
    explained.sentences.some((line) => line.startsWith(`Worker ${w1.address} challenged the ranking (its challenge 1 of 2); it waits for ${admin.address}`)),
  );
  t.regex(explained.deadline!.sentence, /its fee back to the worker/);

  const { block, code } = one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: true, ranking: [w1.address, w2.address] });
  t.is(code, 'ok');
  t.like(eventOf(block.jobEvents, 'challengeResolved'), {
    upheld: true,
    challenger: w1.address,
    resolver: admin.address,
    ranking: [w1.address, w2.address],
    payouts: [
      { to: w1.address, amount: '5', kind: 'challengeFee' },
      { to: w1.address, amount: '20', kind: 'deposit' },
    ],
  });
  const after = request(chain, id);
  t.is(after.state, 'ranked', 'the client may still accept or challenge the corrected ranking');
  t.deepEqual(after.context.ranking, [w1.address, w2.address]);
  t.like(after.context, { deposit: '0', overruled: true, challengeFeeLocked: '0' });
  t.is(after.context.challenger, undefined);
  t.is(chain.balance(w1.address), 1020n);

  const settled = one(chain, client, { type: 'acceptResult', request_id: id });
  t.is(settled.code, 'ok');
  t.like(eventOf(settled.block.jobEvents, 'settled'), { unpaid: [w2.address] });
  t.is(chain.balance(w1.address), 1030n); // the pool, by the corrected ranking
  t.is(chain.balance(w2.address), 1000n);
  t.is(chain.balance(evaluator.address), 980n); // no part, no deposit
  t.is(chain.balance(client.address), 1000n - 23n + 10n); // the evaluator's part back
  t.is(chain.balance(admin.address), 1003n);
  t.is(chain.total(), supply);
  t.is(chain.ledger.tree.get('/consensus/escrow'), '0');
  const reputation = chain.chain.readModels.reputation.jobs[job]!.nodes;
  t.like(reputation[w1.address], { challengesWon: 1, challengesLost: 0 });
  t.like(reputation[evaluator.address], { challengesLost: 1 });
  t.like(chain.chain.readModels.dashboard.nodes[w1.address], { depositsWon: '20', challengeFeesEarned: '0' });
});

test('given a worker’s challenge, when the parent admin rejects it, then its fee goes to the admin, the ranking stands, and the client may still challenge', (t) => {
  const chain = newChain();
  const supply = chain.total();
  const job = staffedJob(chain);
  const id = rankedRequest(chain, job);
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address, w1.address] });
  one(chain, w1, { type: 'challenge', request_id: id });
  const { block, code } = one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: false });
  t.is(code, 'ok');
  t.like(eventOf(block.jobEvents, 'challengeResolved'), {
    upheld: false,
    challenger: w1.address,
    payouts: [{ to: admin.address, amount: '5', kind: 'challengeFee' }],
  });
  t.is(eventOf(block.jobEvents, 'challengerPenalized'), undefined, 'one rejection is not yet "multiple attempts"');
  t.is(request(chain, id).state, 'ranked');
  t.deepEqual(request(chain, id).context.ranking, [w2.address, w1.address]);
  t.is(chain.balance(w1.address), 995n);
  t.is(chain.balance(admin.address), 1005n);
  t.is(chain.ledger.tree.get(jobPaths.strikes(job, w1.address)), '1');
  t.is(request(chain, id).context.challenges, 0, "a worker's challenges do not use the client's");
  t.is(one(chain, client, { type: 'challenge', request_id: id }).code, 'ok');
  t.is(one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: false }).code, 'ok');
  chain.block([], chain.time + 60_000); // the claim window passes: it settles as ranked
  t.is(request(chain, id).state, 'settled');
  t.is(chain.balance(w2.address), 1010n);
  t.is(chain.balance(evaluator.address), 1010n);
  t.is(chain.total(), supply);
  const reputation = chain.chain.readModels.reputation.jobs[job]!.nodes;
  t.like(reputation[w1.address], { challengesLost: 1 });
  t.like(reputation[evaluator.address], { challengesWon: 2 });
  t.like(chain.chain.readModels.dashboard.nodes[w1.address], { feesPaid: '5' });
});

test('given the genesis’s challengeStrikes 2, when a worker’s challenges are rejected twice in a job, then its reputation drops by the Elo K; a third rejection does not, a fourth does again', (t) => {
  const chain = newChain({ challengeStrikes: 2, maxChallenges: 2 });
  const job = staffedJob(chain);
  const penalties: JobEvent[] = [];
  for (const round of [1, 2]) {
    const id = rankedRequest(chain, job);
    one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address, w1.address] });
    for (const attempt of [1, 2]) {
      t.is(one(chain, w1, { type: 'challenge', request_id: id }).code, 'ok', `round ${round}, attempt ${attempt}`);
      const { block } = one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: false });
      penalties.push(...block.jobEvents.filter((e) => e.type === 'challengerPenalized'));
      if (round === 1 && attempt === 1) t.is(chain.chain.readModels.reputation.jobs[job]!.nodes[w1.address]!.challengePenalties, undefined);
    }
    const third = one(chain, w1, { type: 'challenge', request_id: id });
    t.is(third.code, 'ILLEGAL_TRANSITION', 'each worker challenges a request at most maxChallenges times');
    t.regex((third.block.outcomes[0] as { message: string }).message, /challenged it 2 times, the most allowed/);
    one(chain, client, { type: 'acceptResult', request_id: id });
  }
  t.like(penalties, [
    { type: 'challengerPenalized', node: w1.address, rejected: 2 },
    { type: 'challengerPenalized', node: w1.address, rejected: 4 },
  ]);
  const reputation = chain.chain.readModels.reputation;
  const w1Entry = reputation.jobs[job]!.nodes[w1.address]!;
  const w2Entry = reputation.jobs[job]!.nodes[w2.address]!;
  t.is(w1Entry.challengePenalties, 2);
  t.is(w1Entry.challengesLost, 4);
  // Both met twice with w2 ahead; w1 also paid the K factor (32) for each penalty.
  t.is(w1Entry.rating + w2Entry.rating, 2 * reputation.initialRating - 2 * reputation.kFactor);
});

test('refusals of a worker’s challenge: a stranger, a worker that submitted nothing, a second open challenge, after the claim window, and resolutions that do not fit', (t) => {
  const chain = newChain({ claimWindowMs: 10_000 });
  const job = staffedJob(chain);
  const { id } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 60_000 });
  one(chain, evaluator, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '20' });
  for (const w of [w1, w2, w3]) one(chain, w, { type: 'acceptJob', request_id: id, role: 'worker' });
  for (const w of [w1, w2]) one(chain, w, { type: 'submitResult', request_id: id, result: { x: 2 } });
  t.is(one(chain, w1, { type: 'challenge', request_id: id }).code, 'ILLEGAL_TRANSITION', 'nothing is ranked yet');
  chain.block([], chain.time + 60_000);
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address, w1.address] });
  t.is(one(chain, stranger, { type: 'challenge', request_id: id }).code, 'NOT_ALLOWED');
  const idle = one(chain, w3, { type: 'challenge', request_id: id });
  t.is(idle.code, 'NOT_ALLOWED', 'w3 accepted but submitted no result');
  t.regex((idle.block.outcomes[0] as { message: string }).message, /client, or a worker that submitted a result/);
  t.is(one(chain, w1, { type: 'challenge', request_id: id }).code, 'ok');
  t.is(one(chain, w2, { type: 'challenge', request_id: id }).code, 'ILLEGAL_TRANSITION', 'one challenge open at a time');
  t.is(one(chain, client, { type: 'challenge', request_id: id }).code, 'ILLEGAL_TRANSITION');
  t.is(one(chain, w1, { type: 'resolveChallenge', request_id: id, uphold: true, ranking: [w1.address] }).code, 'NOT_ALLOWED', 'only the parent admin');
  t.is(one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: true }).code, 'BAD_RANKING', 'upholding re-ranks');
  t.is(
    one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: true, ranking: [w2.address, w1.address] }).code,
    'BAD_RANKING',
    'the same ranking is not a correction',
  );
  t.is(one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: true, ranking: [w3.address] }).code, 'BAD_RANKING', 'w3 submitted nothing');
  t.is(one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: false, ranking: [w1.address] }).code, 'BAD_RANKING', 'rejecting keeps it');
  t.is(request(chain, id).state, 'challenged');
  // The challenge lapses unresolved: its fee back to w1, not to the client.
  const before = chain.balance(client.address);
  chain.block([], chain.time + 300_000);
  t.is(request(chain, id).state, 'ranked');
  t.is(chain.balance(w1.address), 1000n);
  t.is(chain.balance(client.address), before);
  // Past the claim window it settled: too late to challenge.
  chain.block([], chain.time + 10_000);
  t.is(request(chain, id).state, 'settled');
  t.is(one(chain, w1, { type: 'challenge', request_id: id }).code, 'ILLEGAL_TRANSITION');
  t.is(readRequest(chain.ledger.tree, id)!.context.workerChallenges?.[w1.address], 1);
});

test('given a client’s challenge, when the parent admin upholds it with a ranking, then it is refused: upholding the client’s refunds', (t) => {
  const chain = newChain();
  const job = staffedJob(chain);
  const id = rankedRequest(chain, job);
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address, w1.address] });
  one(chain, client, { type: 'challenge', request_id: id });
  t.is(one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: true, ranking: [w1.address] }).code, 'BAD_RANKING');
  t.is(one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: true }).code, 'ok');
  t.is(request(chain, id).state, 'refunded');
});
