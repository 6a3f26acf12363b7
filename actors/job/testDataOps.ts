import { testDataCommitmentOf } from '../../log/index.ts';
import { ok, refuse, type StateTree } from '../../projections/index.ts';
import type { OpOf } from '../../schemas/index.ts';
import { short, unknownJob, type JobOpContext, type JobOpResult } from './jobSchemaRecord.ts';
import { jobPaths, readJson, writeJson } from './jobStore.ts';
import { illegal, payloadTooLarge, readRequest } from './requestOps.ts';

// The paper: "the test set must be revealed after all the workers return their results". A
// request may commit to its test data by hash; the client reveals it once the time limit passed,
// and the evaluator ranks with it.

/** A request's test data: its commitment and, once revealed, the data and when. */
export interface RequestTestData {
  readonly commitment: string;
  readonly revealed?: unknown;
  readonly revealedAt?: number;
}

export function readTestData(tree: StateTree, request: string): RequestTestData | null {
  return readJson<RequestTestData>(tree, jobPaths.testData(request));
}

/** The states in which the workers' time is over: the test data may come out. */
const afterTimeLimit = new Set(['ranking', 'ranked', 'challenged', 'blindChallenged', 'settled', 'refunded']);

/** `revealTestData`: the client's test data and salt, after the time limit, matching its commitment. */
export function applyRevealTestData(ctx: JobOpContext, op: OpOf<'revealTestData'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const request = readRequest(tree, op.request_id);
  if (request === null) return unknownJob(op.request_id);
  if (request.context.client !== from) {
    return { outcome: refuse('NOT_ALLOWED', `Only request ${short(op.request_id)}'s client ${request.context.client} reveals its test data.`) };
  }
  const stored = readTestData(tree, op.request_id);
  if (stored === null) return { outcome: refuse('INVALID_JOB_REQUEST', `Request ${short(op.request_id)} committed to no test data.`) };
  if (stored.revealedAt !== undefined) return { outcome: refuse('ILLEGAL_TRANSITION', `Request ${short(op.request_id)}'s test data is revealed already.`) };
  if (!afterTimeLimit.has(request.state))
    return illegal(request, 'revealTestData', ' until block time passes its time limit: the test data comes out after the workers returned');
  const tooLarge = payloadTooLarge('test_data', op.test_data);
  if (tooLarge !== null) return tooLarge;
  if (testDataCommitmentOf(op.test_data, op.salt) !== stored.commitment) {
    return {
      outcome: refuse(
        'TEST_DATA_MISMATCH',
        `The test data and salt hash to ${testDataCommitmentOf(op.test_data, op.salt).slice(0, 16)}…, not to request ${short(op.request_id)}'s commitment ${stored.commitment.slice(0, 16)}….`,
      ),
    };
  }
  writeJson(tree, jobPaths.testData(op.request_id), { ...stored, revealed: op.test_data, revealedAt: time } satisfies RequestTestData);
  return { outcome: ok, events: [{ type: 'testDataRevealed', job: request.context.job, request: op.request_id, client: from, time, height }] };
}
