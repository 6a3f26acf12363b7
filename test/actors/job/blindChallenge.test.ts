import test from 'ava';
import { explainRequest, type ExplainInput } from '../../../actors/index.ts';
import type { JobEvent } from '../../../schemas/index.ts';
import { key, type TestChain } from '../ledger/chain.ts';
import { admin, client, evaluator, newChain, one, rankedRequest, request, schemaText, staffedJob, stranger, w1, w2 } from './jobWorld.ts';

// The FAQ's blind challenge: "if all three of them (admin, worker, and evaluator) agree to create a
// collusion and return the wrong result, the client has a means to protect himself by 'blind
// challenge' that allows other admins to evaluate the job result by giving proper rewards".

/** The admin tree: root `admin` → `sub` → `subChild`, and `sub` approved the evaluator: their branch. `b1`…`b3` are other branches. */
const sub = key(61);
const subChild = key(62);
const b1 = key(64);
const b2 = key(65);
const b3 = key(66);
const late = key(67);

const eventOf = <T extends JobEvent['type']>(events: readonly JobEvent[], type: T) => events.find((e): e is Extract<JobEvent, { type: T }> => e.type === type);

function approve(chain: TestChain, job: string, by: typeof admin, who: typeof admin, role: 'admin' | 'evaluator' | 'worker'): void {
  one(chain, who, { type: 'applyJob', job_id: job, role });
  const { code } = one(chain, by, { type: 'approveNode', job_id: job, node: who.address, role });
  if (code !== 'ok') throw new Error(code);
}

/** Given the tree above and a request ranked [w2, w1] by `sub`'s evaluator (reward [10, 10], fee 3, deposit 20). */
function branchedWorld(jobs?: Parameters<typeof newChain>[0]): { chain: TestChain; job: string; id: string; supply: bigint } {
  const chain = newChain(jobs);
  const supply = chain.total();
  const { id: job } = one(chain, admin, { type: 'registerJob', job_specification: schemaText, fee: '3', challenge_fee: '5' });
  approve(chain, job, admin, sub, 'admin');
  approve(chain, job, sub, subChild, 'admin');
  approve(chain, job, sub, evaluator, 'evaluator');
  for (const b of [b1, b2, b3]) approve(chain, job, admin, b, 'admin');
  for (const w of [w1, w2]) approve(chain, job, admin, w, 'worker');
  const id = rankedRequest(chain, job);
  one(chain, evaluator, { type: 'rank', request_id: id, ranking: [w2.address, w1.address] });
  return { chain, job, id, supply };
}

const explainInput = (chain: TestChain): ExplainInput => ({
  tree: chain.ledger.tree,
  height: chain.ledger.height,
  readModels: chain.chain.readModels,
  time: chain.chain.position.prevTime,
});

test('given admins outside the evaluator’s branch, when the client challenges blind and two of three uphold, then the request is refunded with the deposit and the two share the reward', (t) => {
  const { chain, job, id, supply } = branchedWorld();
  const opened = one(chain, client, { type: 'blindChallenge', request_id: id, reward: '9', reason: 'they collude' });
  t.is(opened.code, 'ok');
  t.like(eventOf(opened.block.jobEvents, 'blindChallenged'), { client: client.address, evaluator: evaluator.address, reward: '9', eligible: 3, quorum: 2 });
  t.is(request(chain, id).state, 'blindChallenged');
  t.is(chain.balance(client.address), 1000n - 23n - 9n);
  const explained = explainRequest(explainInput(chain), id)!;
  t.is(explained.awaiting, 'admins');
  t.regex(explained.sentences.join(' '), new RegExp(`waits for blindVerdict from ${b1.address}, ${b2.address} and ${b3.address}`));

  t.is(one(chain, b1, { type: 'blindVerdict', request_id: id, uphold: true }).code, 'ok');
  t.is(one(chain, b2, { type: 'blindVerdict', request_id: id, uphold: false }).code, 'ok');
  t.is(request(chain, id).state, 'blindChallenged', 'one verdict each way: no quorum yet');
  const { block, code } = one(chain, b3, { type: 'blindVerdict', request_id: id, uphold: true });
  t.is(code, 'ok');
  t.like(eventOf(block.jobEvents, 'blindChallengeResolved'), {
    outcome: 'upheld',
    agreed: [b1.address, b3.address],
    payouts: [
      { to: b1.address, amount: '5', kind: 'challengeFee' },
      { to: b3.address, amount: '4', kind: 'challengeFee' },
    ],
  });
  t.like(eventOf(block.jobEvents, 'refunded'), { reason: 'blindChallengeUpheld' });
  t.is(request(chain, id).state, 'refunded');
  t.is(chain.balance(client.address), 1000n - 9n + 20n); // everything back and the deposit, less the reward
  t.is(chain.balance(evaluator.address), 980n);
  t.is(chain.balance(b1.address), 5n);
  t.is(chain.balance(b2.address), 0n, 'its verdict disagreed with the outcome');
  t.is(chain.total(), supply);
  t.is(chain.ledger.tree.get('/consensus/escrow'), '0');
  const reputation = chain.chain.readModels.reputation.jobs[job]!.nodes;
  t.like(reputation[client.address], { challengesWon: 1 });
  t.like(reputation[evaluator.address], { challengesLost: 1 });
  t.like(chain.chain.readModels.dashboard.nodes[b1.address], { challengeFeesEarned: '5' });
  t.like(chain.chain.readModels.dashboard.nodes[client.address], { feesPaid: '9', depositsWon: '20' });
  t.regex(explainRequest(explainInput(chain), id)!.sentences.join(' '), /quorum of the job's admins outside the evaluator's branch upheld/);
});

test('given a blind challenge, when a quorum rejects it, then the ranking stands, the rejecting admins share the reward, and it used one of the client’s challenges', (t) => {
  const { chain, id, supply } = branchedWorld({ maxChallenges: 1 });
  one(chain, client, { type: 'blindChallenge', request_id: id, reward: '6', quorum: 3 });
  one(chain, b1, { type: 'blindVerdict', request_id: id, uphold: false });
  one(chain, b2, { type: 'blindVerdict', request_id: id, uphold: false });
  t.is(request(chain, id).state, 'blindChallenged', 'the quorum asked for is 3');
  const { block } = one(chain, b3, { type: 'blindVerdict', request_id: id, uphold: false });
  t.like(eventOf(block.jobEvents, 'blindChallengeResolved'), { outcome: 'rejected', agreed: [b1.address, b2.address, b3.address] });
  t.is(request(chain, id).state, 'ranked');
  t.is(request(chain, id).context.blind, undefined);
  for (const b of [b1, b2, b3]) t.is(chain.balance(b.address), 2n);
  t.is(one(chain, client, { type: 'challenge', request_id: id }).code, 'ILLEGAL_TRANSITION', 'maxChallenges 1 is spent');
  t.is(one(chain, client, { type: 'acceptResult', request_id: id }).code, 'ok');
  t.is(chain.balance(w2.address), 1010n);
  t.is(chain.total(), supply);
});

test('given a blind challenge, when its blind window passes without a quorum, then the reward goes back to the client and the request is ranked again', (t) => {
  const { chain, id, supply } = branchedWorld({ blindWindowMs: 5000 });
  one(chain, client, { type: 'blindChallenge', request_id: id, reward: '9' });
  one(chain, b1, { type: 'blindVerdict', request_id: id, uphold: true });
  t.is(explainRequest(explainInput(chain), id)!.deadline?.then, 'ranked');
  const { block } = one(chain, stranger, { type: 'send', to: client.address, amount: '0' }, chain.time + 5000);
  t.like(eventOf(block.jobEvents, 'blindChallengeResolved'), {
    outcome: 'lapsed',
    agreed: [],
    payouts: [{ to: client.address, amount: '9', kind: 'challengeFee' }],
  });
  t.is(request(chain, id).state, 'ranked');
  t.is(chain.balance(client.address), 1000n - 23n);
  t.is(one(chain, b2, { type: 'blindVerdict', request_id: id, uphold: true }).code, 'ILLEGAL_TRANSITION', 'too late');
  t.is(chain.total(), supply);
});

test('refusals of a blind challenge: not the client, a quorum out of bounds, the reward unfunded, nobody outside the branch, not ranked, twice', (t) => {
  const { chain, id } = branchedWorld({ maxChallenges: 2 });
  t.is(one(chain, w1, { type: 'blindChallenge', request_id: id, reward: '9' }).code, 'NOT_ALLOWED', 'the client only');
  const low = one(chain, client, { type: 'blindChallenge', request_id: id, reward: '9', quorum: 1 });
  t.is(low.code, 'BAD_QUORUM');
  t.regex(
    (low.block.outcomes[0] as { message: string }).message,
    /3 admins of the job are outside the evaluator's branch, so it must be from 2 \(a majority\) to 3/,
  );
  t.is(one(chain, client, { type: 'blindChallenge', request_id: id, reward: '9', quorum: 4 }).code, 'BAD_QUORUM');
  t.is(one(chain, client, { type: 'blindChallenge', request_id: id, reward: '5000' }).code, 'INSUFFICIENT_FUNDS');
  t.is(one(chain, client, { type: 'blindChallenge', request_id: id, reward: '0' } as never).code, 'BAD_SCHEMA');
  t.is(one(chain, b1, { type: 'blindVerdict', request_id: id, uphold: true }).code, 'ILLEGAL_TRANSITION', 'no blind challenge is open');
  t.is(one(chain, client, { type: 'challenge', request_id: id }).code, 'ok');
  t.is(one(chain, client, { type: 'blindChallenge', request_id: id, reward: '9' }).code, 'ILLEGAL_TRANSITION', 'a challenge is open');
  one(chain, sub, { type: 'resolveChallenge', request_id: id, uphold: false }); // the colluding parent admin
  t.is(one(chain, client, { type: 'blindChallenge', request_id: id, reward: '9' }).code, 'ok');
  one(chain, b1, { type: 'blindVerdict', request_id: id, uphold: false });
  one(chain, b2, { type: 'blindVerdict', request_id: id, uphold: false });
  t.is(request(chain, id).state, 'ranked');
  t.is(one(chain, client, { type: 'blindChallenge', request_id: id, reward: '9' }).code, 'ILLEGAL_TRANSITION', 'twice is maxChallenges 2');
  chain.block([], chain.time + 60_000);
  t.is(request(chain, id).state, 'settled');
  t.is(one(chain, client, { type: 'blindChallenge', request_id: id, reward: '9' }).code, 'ILLEGAL_TRANSITION', 'after the claim window');

  // When the root admin approved the evaluator, every other admin is outside its branch; with none, nobody can judge.
  const lone = newChain();
  const job = staffedJob(lone);
  const ranked = rankedRequest(lone, job);
  one(lone, evaluator, { type: 'rank', request_id: ranked, ranking: [w1.address] });
  t.is(one(lone, client, { type: 'blindChallenge', request_id: ranked, reward: '9' }).code, 'NO_ELIGIBLE_ADMINS');
  approve(lone, job, admin, b1, 'admin');
  const opened = one(lone, client, { type: 'blindChallenge', request_id: ranked, reward: '9' });
  t.like(eventOf(opened.block.jobEvents, 'blindChallenged'), { eligible: 1, quorum: 1 });
});

test('refusals of a blind verdict: admins in the evaluator’s branch, a stranger, a worker, the client, an admin approved after it opened, and a second verdict', (t) => {
  const { chain, job, id } = branchedWorld();
  one(chain, client, { type: 'blindChallenge', request_id: id, reward: '9' });
  approve(chain, job, admin, late, 'admin');
  for (const inside of [sub, subChild, admin]) {
    const refused = one(chain, inside, { type: 'blindVerdict', request_id: id, uphold: false });
    t.is(refused.code, 'IN_EVALUATOR_BRANCH', inside === admin ? 'the root' : inside === sub ? 'the parent admin' : "the parent admin's child");
  }
  t.regex(
    (one(chain, sub, { type: 'blindVerdict', request_id: id, uphold: false }).block.outcomes[0] as { message: string }).message,
    /in the branch of job .* admin tree that holds evaluator/,
  );
  t.is(one(chain, stranger, { type: 'blindVerdict', request_id: id, uphold: true }).code, 'NOT_APPROVED');
  t.is(one(chain, w1, { type: 'blindVerdict', request_id: id, uphold: true }).code, 'NOT_APPROVED', 'a worker is no admin');
  t.is(one(chain, late, { type: 'blindVerdict', request_id: id, uphold: true }).code, 'NOT_ALLOWED', 'approved after the challenge opened');
  t.is(one(chain, b1, { type: 'blindVerdict', request_id: id, uphold: true }).code, 'ok');
  t.is(one(chain, b1, { type: 'blindVerdict', request_id: id, uphold: false }).code, 'ALREADY_VOTED');
  t.is(one(chain, admin, { type: 'resolveChallenge', request_id: id, uphold: true }).code, 'NOT_ALLOWED', 'resolveChallenge is the parent admin’s');
  t.is(one(chain, sub, { type: 'resolveChallenge', request_id: id, uphold: false }).code, 'ILLEGAL_TRANSITION', 'a blind challenge is judged by verdicts');
  t.is(request(chain, id).state, 'blindChallenged');
});

test('given the client is itself an admin of another branch, then it is not counted eligible and may not judge its own blind challenge', (t) => {
  const { chain, job, id } = branchedWorld();
  approve(chain, job, admin, client, 'admin');
  const opened = one(chain, client, { type: 'blindChallenge', request_id: id, reward: '9' });
  t.like(eventOf(opened.block.jobEvents, 'blindChallenged'), { eligible: 3, quorum: 2 });
  t.is(one(chain, client, { type: 'blindVerdict', request_id: id, uphold: true }).code, 'NOT_ALLOWED');
});
