import test from 'ava';
import { readTestData } from '../../../actors/index.ts';
import { testDataCommitmentOf } from '../../../log/index.ts';
import { client, evaluator, newChain, one, staffedJob, stranger, w1 } from './jobWorld.ts';

// "The test set must be revealed after all the workers return their results": a request commits
// to its test data by hash; its client reveals it once the time limit passed, and it must match.

const testData = { y: 4, expected: 2 };
const salt = 'ab'.repeat(32);
const commitment = testDataCommitmentOf(testData, salt);

function committedRequest() {
  const chain = newChain();
  const job = staffedJob(chain);
  const { id: request, code } = one(chain, client, {
    type: 'requestJob',
    job_id: job,
    job_input: { y: 4 },
    reward: ['10', '10'],
    time_limit: 10_000,
    test_commitment: commitment,
  });
  if (code !== 'ok') throw new Error(code);
  one(chain, evaluator, { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' });
  one(chain, w1, { type: 'acceptJob', request_id: request, role: 'worker' });
  one(chain, w1, { type: 'submitResult', request_id: request, result: { x: 2 } });
  return { chain, request };
}

test('the commitment is kept; revealing before the time limit is refused; after it, a match is kept and an event says so', (t) => {
  const { chain, request } = committedRequest();
  t.deepEqual(readTestData(chain.ledger.tree, request), { commitment });
  const early = one(chain, client, { type: 'revealTestData', request_id: request, test_data: testData, salt });
  t.is(early.code, 'ILLEGAL_TRANSITION');
  t.regex((early.block.outcomes[0] as { message: string }).message, /after the workers returned/);
  chain.block([], chain.time + 10_000);
  const revealed = one(chain, client, { type: 'revealTestData', request_id: request, test_data: testData, salt });
  t.is(revealed.code, 'ok');
  t.like(revealed.block.jobEvents[0], { type: 'testDataRevealed', request, client: client.address });
  t.like(readTestData(chain.ledger.tree, request), { commitment, revealed: testData, revealedAt: revealed.block.header.time });
  t.is(one(chain, client, { type: 'revealTestData', request_id: request, test_data: testData, salt }).code, 'ILLEGAL_TRANSITION', 'once');
});

test('other test data or salt than committed is TEST_DATA_MISMATCH; only the client reveals; a request without a commitment has none to reveal', (t) => {
  const { chain, request } = committedRequest();
  chain.block([], chain.time + 10_000);
  t.is(one(chain, client, { type: 'revealTestData', request_id: request, test_data: { ...testData, expected: 3 }, salt }).code, 'TEST_DATA_MISMATCH');
  t.is(one(chain, client, { type: 'revealTestData', request_id: request, test_data: testData, salt: 'cd'.repeat(32) }).code, 'TEST_DATA_MISMATCH');
  t.is(one(chain, stranger, { type: 'revealTestData', request_id: request, test_data: testData, salt }).code, 'NOT_ALLOWED');
  t.is(readTestData(chain.ledger.tree, request)!.revealedAt, undefined);
  const job = staffedJob(chain);
  const { id: plain } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 1000 });
  chain.block([], chain.time + 5000);
  t.is(one(chain, client, { type: 'revealTestData', request_id: plain, test_data: testData, salt }).code, 'INVALID_JOB_REQUEST');
});
