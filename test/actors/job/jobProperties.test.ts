import test from 'ava';
import fc from 'fast-check';
import { bestWorkerShare, explainJob, explainRequest, jobMachine, readRequest, readNode, type ExplainInput, type JobContext } from '../../../actors/index.ts';
import { readReservation } from '../../../actors/index.ts';
import { txHashOf } from '../../../log/index.ts';
import type { Op, Payout } from '../../../schemas/index.ts';
import { readOffer } from '../../../projections/index.ts';
import { key } from '../ledger/chain.ts';
import { admin, client, evaluator, everyone, newChain, schemaText, stranger, w1, w2, w3 } from './jobWorld.ts';

// Random interleavings of the fourteen job ops (the paper's eleven, rejectWorker, blindChallenge and blindVerdict), preemptive
// buying's reserveWorker and acceptReservation (requests drawn on reservations), and Big Storage's offerStorage and reserveStorage from random signers, with random gaps of block time:
// money is conserved at every block, every storage provider's reserved bytes are its grants', every request and node is in a state its machine draws,
// and the same txs folded twice give the same roots and job events. Explaining a request after
// each step it names never throws, agrees with its machine, and counts every refused tx naming it.
// A second property starts from three ranked requests and draws only the answers to a ranking
// (the client's and workers' challenges, resolutions, blind challenges and verdicts), mostly sent
// to a request in the state that takes them, so those paths are walked often.

const drawn = new Set(Object.keys(jobMachine.config.states ?? {}));
const nodeStates = new Set(['applied', 'approved', 'dropped']);
/** Two more admins, approved by the root admin as the evaluator is: outside its branch, they judge blind challenges. */
const a1 = key(58);
const a2 = key(59);
const parties = [admin, evaluator, w1, w2, w3, client, stranger, a1, a2];

type OpMaker = (ids: { job: string; requests: string[]; reservations: string[] }) => Op;

/** Who usually signs each op (a random step sometimes picks anyone instead). */
const usual: Record<string, readonly (typeof admin)[]> = {
  applyJob: [w1, w2, w3, stranger],
  approveNode: [admin],
  drop: [admin, w1],
  requestJob: [client],
  acceptJob: [evaluator, w1, w2, w3],
  submitResult: [w1, w2, w3],
  rank: [evaluator],
  acceptResult: [client],
  challenge: [client, client, w1, w2],
  resolveChallenge: [admin],
  rejectWorker: [client],
  blindChallenge: [client],
  blindVerdict: [a1, a2],
  offerStorage: [a1, a2, admin],
  reserveWorker: [client],
  acceptReservation: [w1, w2],
  reserveStorage: [client, w1, w2],
};
/** The state each answer to a ranking is for. */
const answerStates: Partial<Record<Op['type'], string>> = {
  challenge: 'ranked',
  blindChallenge: 'ranked',
  resolveChallenge: 'challenged',
  blindVerdict: 'blindChallenged',
};
const pick = <T>(items: readonly T[], i: number): T => items[i % items.length]!;
/** Mostly the newest request, sometimes the one before (the placeholder id only before the first). */
const recent = (requests: readonly string[], i: number): string =>
  requests.length === 1 ? requests[0]! : requests[Math.max(1, requests.length - 1 - (i % 4 === 0 ? 1 : 0))]!;

/** A `blindChallenge` of the request `choose` picks, with a reward and maybe a quorum. */
const blindChallengeOf = (choose: (requests: readonly string[], i: number) => string): fc.Arbitrary<OpMaker> =>
  fc.record({ r: fc.nat(), reward: fc.integer({ min: 1, max: 12 }).map(String), quorum: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) }).map(
    ({ r, reward, quorum }) =>
      (({ requests }) => ({
        type: 'blindChallenge',
        request_id: choose(requests, r),
        reward,
        ...(quorum === undefined ? {} : { quorum }),
      })) as OpMaker,
  );

const anOp: fc.Arbitrary<{ signer: number; make: OpMaker; gapMs: number }> = fc.record({
  signer: fc.nat(parties.length * 4), // mostly above parties.length: the op's usual signer
  gapMs: fc.constantFrom(0, 0, 0, 0, 0, 0, 500, 3000, 20_000),
  make: fc.oneof(
    {
      weight: 1,
      arbitrary: fc
        .record({ role: fc.constantFrom('admin', 'evaluator', 'worker' as const) })
        .map(({ role }) => (({ job }) => ({ type: 'applyJob', job_id: job, role })) as OpMaker),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ who: fc.nat(6), role: fc.constantFrom('admin', 'evaluator', 'worker' as const) })
        .map(({ who, role }) => (({ job }) => ({ type: 'approveNode', job_id: job, node: pick(parties, who).address, role })) as OpMaker),
    },
    {
      weight: 1,
      arbitrary: fc.record({ who: fc.nat(6) }).map(({ who }) => (({ job }) => ({ type: 'drop', job_id: job, node: pick(parties, who).address })) as OpMaker),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          // [evaluator, workers]; `ranked` mostly with weights and the others mostly without (the rest refused).
          reward: fc.tuple(fc.integer({ min: 0, max: 30 }).map(String), fc.integer({ min: 0, max: 30 }).map(String)),
          fn: fc.constantFrom(undefined, 'even', 'winnerOnly', 'ranked', 'ranked' as const),
          weights: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }),
          misfit: fc.nat(5).map((n) => n === 0),
          limit: fc.constantFrom(5000, 20_000),
          skip: fc.nat(4).map((n) => n === 0),
          reserved: fc.nat(3).map((n) => n === 0),
          lock: fc.constantFrom(undefined, undefined, undefined, '100', '400'),
        })
        .map(
          ({ reward, fn, weights, misfit, limit, skip, reserved, lock }) =>
            (({ job, reservations }) => ({
              ...(lock === undefined ? {} : { bandwidth: lock }),
              ...(reserved ? { reservation: reservations.at(-1)! } : {}),
              type: 'requestJob',
              job_id: job,
              job_input: { y: 4 },
              reward,
              ...(fn === undefined ? {} : { reward_function: fn }),
              ...((fn === 'ranked') !== misfit ? { reward_weights: weights } : {}),
              time_limit: limit,
              ...(skip ? { skip_evaluation: true, worker_node: [w1.address, w2.address] } : {}),
            })) as OpMaker,
        ),
    },
    {
      weight: 6,
      arbitrary: fc
        .record({ r: fc.nat(), role: fc.constantFrom('evaluator', 'worker' as const), deposit: fc.constantFrom('20', '20', '20', '3', '2000') })
        .map(
          ({ r, role, deposit }) =>
            (({ requests }) => ({ type: 'acceptJob', request_id: recent(requests, r), role, ...(role === 'evaluator' ? { deposit } : {}) })) as OpMaker,
        ),
    },
    { weight: 4, arbitrary: fc.nat().map((r) => (({ requests }) => ({ type: 'submitResult', request_id: recent(requests, r), result: { x: 2 } })) as OpMaker) },
    {
      weight: 3,
      arbitrary: fc
        .record({ r: fc.nat(), ranking: fc.array(fc.nat(6), { minLength: 1, maxLength: 3 }) })
        .map(
          ({ r, ranking }) =>
            (({ requests }) => ({ type: 'rank', request_id: recent(requests, r), ranking: ranking.map((i) => pick(parties, i).address) })) as OpMaker,
        ),
    },
    { weight: 2, arbitrary: fc.nat().map((r) => (({ requests }) => ({ type: 'acceptResult', request_id: recent(requests, r) })) as OpMaker) },
    { weight: 2, arbitrary: fc.nat().map((r) => (({ requests }) => ({ type: 'challenge', request_id: recent(requests, r) })) as OpMaker) },
    {
      weight: 2,
      arbitrary: fc
        .record({ r: fc.nat(), uphold: fc.boolean(), ranking: fc.option(fc.array(fc.nat(6), { minLength: 1, maxLength: 3 }), { nil: undefined }) })
        .map(
          ({ r, uphold, ranking }) =>
            (({ requests }) => ({
              type: 'resolveChallenge',
              request_id: recent(requests, r),
              uphold,
              ...(ranking === undefined ? {} : { ranking: ranking.map((i) => pick(parties, i).address) }),
            })) as OpMaker,
        ),
    },
    {
      weight: 1,
      arbitrary: blindChallengeOf(recent),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ r: fc.nat(), uphold: fc.boolean() })
        .map(({ r, uphold }) => (({ requests }) => ({ type: 'blindVerdict', request_id: recent(requests, r), uphold })) as OpMaker),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          worker: fc.nat(3),
          price: fc.constantFrom('0', '3', '10', '400'),
          period: fc.constantFrom(1000, 20_000, 200_000),
          requests: fc.integer({ min: 1, max: 3 }),
        })
        .map(
          ({ worker, price, period, requests }) =>
            (({ job }) => ({
              type: 'reserveWorker',
              job_id: job,
              worker: pick([w1, w2, w3, stranger], worker).address,
              price,
              period_ms: period,
              requests,
            })) as OpMaker,
        ),
    },
    { weight: 1, arbitrary: fc.constant((({ reservations }) => ({ type: 'acceptReservation', reservation_id: reservations.at(-1)! })) as OpMaker) },
    {
      weight: 1,
      arbitrary: fc
        .record({ price: fc.constantFrom('0', '1', '5000', '10000000'), bytesMax: fc.constantFrom(0, 1000, 2 ** 30) })
        .map(({ price, bytesMax }) => (() => ({ type: 'offerStorage', price, bytesMax })) as OpMaker),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({
          provider: fc.nat(8),
          space: fc.constantFrom(1, 500, 2 ** 20, 2 ** 30),
          ttl: fc.constantFrom(1, 1000, 30_000, 86_400_000),
          holder: fc.option(fc.nat(8), { nil: undefined }),
        })
        .map(
          ({ provider, space, ttl, holder }) =>
            (() => ({
              type: 'reserveStorage',
              provider: pick([a1, a2, admin, a1, a2, admin, client, w1, stranger], provider).address, // mostly one that offers
              space,
              ttl,
              ...(holder === undefined ? {} : { for: pick(parties, holder).address }),
            })) as OpMaker,
        ),
    },
    {
      weight: 1,
      arbitrary: fc.record({ r: fc.nat(), who: fc.nat(9) }).map(
        ({ r, who }) =>
          (({ requests }) => ({
            type: 'rejectWorker',
            request_id: recent(requests, r),
            worker: (who < 7 ? pick([w1, w2, w3], who) : pick(parties, who)).address,
          })) as OpMaker,
      ),
    },
  ),
});

/**
 * What a settlement's rewards break of `reward: [evaluator, workers]`: the evaluator that ranked
 * is paid its part, no worker more than the most one can get, the workers together at most the
 * pool, and the client back what nobody took (payOut itself checks the whole escrow).
 */
function rewardProblems(context: JobContext, payouts: readonly Payout[]): string[] {
  const [evaluatorPart, pool] = context.reward.map(BigInt) as [bigint, bigint];
  const rewardsTo = (pick: (to: string) => boolean) => payouts.filter((p) => p.kind === 'reward' && pick(p.to)).map((p) => BigInt(p.amount));
  const evaluatorPaid = rewardsTo((to) => to === context.evaluator).reduce((t, a) => t + a, 0n);
  const workersPaid = rewardsTo((to) => to !== context.evaluator);
  const refunded = payouts.filter((p) => p.kind === 'refund').reduce((t, p) => t + BigInt(p.amount), 0n);
  const problems: string[] = [];
  // An evaluator a worker's upheld challenge overruled is paid none of its part: the client takes it back.
  const unpaidEvaluator = context.evaluator === null || context.overruled === true;
  if (evaluatorPaid !== (unpaidEvaluator ? 0n : evaluatorPart)) problems.push(`evaluator paid ${evaluatorPaid} of reward ${context.reward}`);
  if (workersPaid.some((a) => a > bestWorkerShare(context))) problems.push(`a worker paid more than ${bestWorkerShare(context)} (${context.rewardFunction})`);
  const workersTotal = workersPaid.reduce((t, a) => t + a, 0n);
  if (workersTotal + refunded !== pool + (unpaidEvaluator ? evaluatorPart : 0n))
    problems.push(`workers ${workersTotal} + refund ${refunded} ≠ reward ${context.reward}`);
  return problems;
}

/** Each storage provider's `reserved` is the bytes of its grants not yet freed, and no more than it offers unless it lowered its offer. */
function storageProblems(chain: ReturnType<typeof newChain>): string[] {
  const problems: string[] = [];
  const grants = (chain.ledger.tree.get('/storage/grants') ?? {}) as Record<string, Record<string, Record<string, { bytes: number }>>>;
  for (const provider of parties) {
    const offer = readOffer(chain.ledger.tree, provider.address);
    const held = Object.values(grants[provider.address] ?? {})
      .flatMap((byHash) => Object.values(byHash))
      .reduce((total, grant) => total + grant.bytes, 0);
    if ((offer?.reserved ?? 0) !== held) problems.push(`${provider.address.slice(0, 8)} reserved ${offer?.reserved} but its grants hold ${held}`);
  }
  return problems;
}

// JOB_STATS=1 logs how often each op and outcome occurred: a check that the generator reaches deep states.
const stats = new Map<string, number>();

function fold(steps: readonly { signer: number; make: OpMaker; gapMs: number }[], ranked = 1) {
  // Budgets tight enough that bursts meet BANDWIDTH_EXCEEDED (1000 AIN buys 10 txs per 10 s, 4 free), and requests' locks raise them.
  const chain = newChain(
    { claimWindowMs: 12_000, rankWindowMs: 2000, resolveWindowMs: 4000, maxChallenges: 2, blindWindowMs: 6000, challengeStrikes: 1 },
    { windowMs: 10_000, free: 4, ainPerTx: '100' },
  );
  const supply = chain.total();
  const register = chain.tx(admin, {
    type: 'registerJob',
    job_specification: schemaText,
    fee: '2',
    challenge_fee: '5',
    max_approvals: 20,
    max_drops: 5,
    window_ms: 10_000,
  });
  const job = txHashOf(register);
  chain.block([register]);
  // A staffed job to start from; random steps may apply, approve and drop more.
  for (const [who, role] of [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
    [w2, 'worker'],
    [w3, 'worker'],
    [a1, 'admin'],
    [a2, 'admin'],
  ] as const) {
    chain.block([chain.tx(who, { type: 'applyJob', job_id: job, role })]);
    chain.block([chain.tx(admin, { type: 'approveNode', job_id: job, node: who.address, role })]);
  }
  // One admin sells Big Storage from the start, so random reservations often find an offer.
  chain.block([chain.tx(a1, { type: 'offerStorage', price: '1', bytesMax: 2 ** 31 })]);
  // The first requests start ranked, so the random steps meet the answers to a ranking: challenges, blind ones, verdicts.
  const firsts = Array.from({ length: ranked }, (_, i) =>
    chain.tx(client, { type: 'requestJob', job_id: job, job_input: { y: i }, reward: ['10', String(5 + i)], time_limit: 20_000 }),
  );
  chain.block(firsts);
  const rankedIds = firsts.map(txHashOf);
  chain.block(rankedIds.map((request_id) => chain.tx(evaluator, { type: 'acceptJob', request_id, role: 'evaluator', deposit: '20' })));
  chain.block(rankedIds.flatMap((request_id) => [w1, w2].map((w) => chain.tx(w, { type: 'acceptJob', request_id, role: 'worker' }))));
  chain.block(rankedIds.flatMap((request_id) => [w1, w2].map((w) => chain.tx(w, { type: 'submitResult', request_id, result: { x: 2 } }))));
  chain.block([], chain.time + 20_000);
  chain.block(rankedIds.map((request_id) => chain.tx(evaluator, { type: 'rank', request_id, ranking: [w1.address, w2.address] })));
  const ids = { job, requests: ['0'.repeat(64), ...rankedIds], reservations: ['0'.repeat(64)] };
  const problems: string[] = [];
  const refusedCounts = new Map<string, number>();
  const view = (): ExplainInput => ({ tree: chain.ledger.tree, height: chain.ledger.height, readModels: chain.chain.readModels, time: chain.time });
  const checkExplained = (id: string) => {
    const explained = explainRequest(view(), id);
    const request = readRequest(chain.ledger.tree, id);
    if (explained === null) return request === null || problems.push(`request ${id.slice(0, 8)} not explained`);
    const ended = explained.state === 'settled' || explained.state === 'refunded';
    if (explained.state !== request!.state) problems.push(`explained as ${explained.state}, the machine is ${request!.state}`);
    if (explained.since > explained.time) problems.push(`${explained.state} since ${explained.since}, after the latest block ${explained.time}`);
    if (ended !== (explained.deadline === null) || (explained.deadline !== null && explained.deadline.inMs <= 0))
      problems.push(`${explained.state} with deadline ${JSON.stringify(explained.deadline)}`);
    if (explained.refused.count !== (refusedCounts.get(id) ?? 0))
      problems.push(`${explained.refused.count} refused txs explained, ${refusedCounts.get(id) ?? 0} refused`);
    return JSON.stringify(explained);
  };
  for (const step of steps) {
    const op = step.make(ids) as Op & { ranking?: string[] };
    // Mostly, an answer to a ranking goes to a request in the state that takes it: deeper paths.
    const wanted = answerStates[op.type];
    if (wanted !== undefined && 'request_id' in op && step.signer % 3 !== 0) {
      const fit = ids.requests.slice(1).find((id) => readRequest(chain.ledger.tree, id)?.state === wanted);
      if (fit !== undefined) op.request_id = fit;
    }
    // Usually the party the op belongs to signs it, and a ranking names who submitted: deeper paths.
    const open = 'request_id' in op ? readRequest(chain.ledger.tree, op.request_id) : null;
    const workers = Object.keys(open?.context.workers ?? {});
    const submitted = workers.filter((w) => open!.context.workers[w]!.submittedAt !== undefined);
    if (op.type === 'rank' && step.signer % 2 === 0 && submitted.length > 0) op.ranking = step.signer % 4 === 0 ? submitted : [...submitted].reverse();
    // Upholding a worker's challenge mostly comes with a ranking that corrects the standing one.
    if (op.type === 'resolveChallenge' && op.uphold && open?.context.challenger !== undefined && step.signer % 2 === 0 && submitted.length > 1)
      op.ranking = [...open.context.ranking].reverse();
    if (op.type === 'acceptJob' && step.signer >= parties.length && open?.state === 'requested' && !open.context.skipEvaluation)
      Object.assign(op, { role: 'evaluator', deposit: '20' });
    let usualSigners = usual[op.type]!;
    if (op.type === 'acceptJob') usualSigners = op.role === 'evaluator' ? [evaluator] : [w1, w2, w3];
    if (op.type === 'submitResult' && workers.length > 0) usualSigners = parties.filter((p) => workers.includes(p.address));
    if (op.type === 'acceptReservation') {
      const reservation = readReservation(chain.ledger.tree, op.reservation_id);
      if (reservation !== null) usualSigners = parties.filter((p) => p.address === reservation.worker);
    }
    if (op.type === 'challenge' && submitted.length > 0) usualSigners = [client, client, ...parties.filter((p) => submitted.includes(p.address))];
    const signer = step.signer < parties.length ? pick(parties, step.signer) : pick(usualSigners, step.signer);
    const tx = chain.tx(signer, op);
    if (op.type === 'requestJob') ids.requests.push(txHashOf(tx));
    if (op.type === 'reserveWorker') ids.reservations.push(txHashOf(tx));
    const applied = chain.block([tx], chain.time + 100 + step.gapMs);
    if (process.env.JOB_STATS) {
      const k = `${op.type}:${applied.outcomes[0]!.code}`;
      stats.set(k, (stats.get(k) ?? 0) + 1);
      for (const e of applied.jobEvents) stats.set(`event:${e.type}`, (stats.get(`event:${e.type}`) ?? 0) + 1);
    }
    if (chain.total() !== supply) problems.push(`supply ${chain.total()} ≠ ${supply} after ${op.type}`);
    problems.push(...storageProblems(chain));
    for (const e of applied.jobEvents)
      if (e.type === 'settled') problems.push(...rewardProblems(readRequest(chain.ledger.tree, e.request)!.context, e.payouts));
    const subject = 'request_id' in op ? op.request_id : 'job_id' in op ? op.job_id : null;
    if (subject !== null && applied.outcomes[0]!.code !== 'ok') refusedCounts.set(subject, (refusedCounts.get(subject) ?? 0) + 1);
    if ('request_id' in op) checkExplained(op.request_id);
  }
  // Every deadline passes, and the ones they open (ranking, claim, a lapsed challenge's claim): every request ends.
  for (let i = 0; i < 4; i++) chain.block([], chain.time + 1_000_000);
  for (const id of ids.requests.slice(1)) {
    const request = readRequest(chain.ledger.tree, id);
    if (request === null) continue; // its requestJob was refused
    if (!drawn.has(request.state)) problems.push(`request in undrawn state ${request.state}`);
    if (request.state !== 'settled' && request.state !== 'refunded') problems.push(`request still ${request.state} after every deadline`);
  }
  for (const who of everyone) {
    const node = readNode(chain.ledger.tree, job, who.address);
    if (node !== null && !nodeStates.has(node.state)) problems.push(`node in undrawn state ${node.state}`);
  }
  if (chain.ledger.tree.get('/consensus/escrow') !== '0' && ids.requests.length > 1)
    problems.push(`escrow left: ${chain.ledger.tree.get('/consensus/escrow')}`);
  if (chain.total() !== supply) problems.push('supply changed at the end');
  if (chain.ledger.tree.get('/jobs/bandwidth') !== null) problems.push('a request that ended left its bandwidth pool');
  const explained = ids.requests.slice(1).map(checkExplained);
  const jobExplained = explainJob(view(), job)!;
  if (jobExplained.refused.count !== (refusedCounts.get(job) ?? 0)) problems.push(`${jobExplained.refused.count} refused txs of the job explained`);
  return {
    problems,
    roots: chain.blocks.map((b) => b.stateRoot),
    events: JSON.stringify(chain.blocks.map((b) => b.jobEvents)) + JSON.stringify([explained, jobExplained]),
  };
}

/** Any of the requests, alike: the answers property starts from several ranked ones. */
const anyRequest = (requests: readonly string[], i: number): string => requests[1 + (i % (requests.length - 1))]!;

/** The answers to a ranking, with short gaps of block time: the client's and workers' challenges, their resolution, blind challenges and verdicts. */
const anAnswer: fc.Arbitrary<{ signer: number; make: OpMaker; gapMs: number }> = fc.record({
  signer: fc.nat(parties.length * 4),
  gapMs: fc.constantFrom(0, 0, 0, 500, 1500, 3000),
  make: fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((r) => (({ requests }) => ({ type: 'challenge', request_id: anyRequest(requests, r) })) as OpMaker) },
    {
      weight: 3,
      arbitrary: fc
        .record({ r: fc.nat(), uphold: fc.boolean() })
        .map(({ r, uphold }) => (({ requests }) => ({ type: 'resolveChallenge', request_id: anyRequest(requests, r), uphold })) as OpMaker),
    },
    {
      weight: 2,
      arbitrary: blindChallengeOf(anyRequest),
    },
    {
      weight: 4,
      arbitrary: fc
        .record({ r: fc.nat(), uphold: fc.boolean() })
        .map(({ r, uphold }) => (({ requests }) => ({ type: 'blindVerdict', request_id: anyRequest(requests, r), uphold })) as OpMaker),
    },
    { weight: 1, arbitrary: fc.nat().map((r) => (({ requests }) => ({ type: 'acceptResult', request_id: anyRequest(requests, r) })) as OpMaker) },
  ),
});

test('property: random answers to rankings (challenges by the client and workers, blind challenges and verdicts) conserve money and fold the same twice', (t) => {
  fc.assert(
    fc.property(fc.array(anAnswer, { minLength: 10, maxLength: 30 }), (steps) => {
      const first = fold(steps, 3);
      const second = fold(steps, 3);
      if (first.problems.length > 0) throw new Error(first.problems.join('; '));
      if (JSON.stringify(first.roots) !== JSON.stringify(second.roots)) throw new Error('roots differ');
      return first.events === second.events;
    }),
    { numRuns: 40 },
  );
  t.pass();
});

test('property: random job ops from random signers conserve money, stay in drawn states, end by their deadlines, fold and explain the same twice', (t) => {
  fc.assert(
    fc.property(fc.array(anOp, { minLength: 20, maxLength: 80, size: 'max' }), (steps) => {
      const first = fold(steps);
      const second = fold(steps);
      if (first.problems.length > 0) throw new Error(first.problems.join('; '));
      if (JSON.stringify(first.roots) !== JSON.stringify(second.roots))
        throw new Error(`roots differ from block ${first.roots.findIndex((r, i) => r !== second.roots[i])}`);
      if (first.events !== second.events) throw new Error(`job events differ: ${first.events.length} vs ${second.events.length} chars`);
      return JSON.stringify(first.roots) === JSON.stringify(second.roots) && first.events === second.events;
    }),
    { numRuns: 80 },
  );
  if (process.env.JOB_STATS)
    t.log(
      [...stats]
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join('\n'),
    );
  t.pass();
});
