import test from 'ava';
import { decodeTxRecord, encodeTxRecord, keyPairFromSeed, signTx } from '../../../log/index.ts';
import {
  applyExplainIndex,
  createExplainIndex,
  loadExplainIndex,
  ok,
  refuse,
  refusedTxsOf,
  snapshotExplainIndex,
  type Outcome,
} from '../../../projections/index.ts';
import type { Op } from '../../../schemas/index.ts';
import { at, client, evaluator, setup, settledRequest, w1 } from '../reputation/jobEvents.ts';

const key = keyPairFromSeed('11'.repeat(32));
const request = 'ab'.repeat(32);
const job = 'cd'.repeat(32);
const record = (op: Op, offset: number) =>
  decodeTxRecord(offset, encodeTxRecord(signTx({ key, op, nonce: offset + 1, time: 0, chain: 'ain-test', shard: '/' })));

test('refusedTxsOf keeps the refused txs that name a request or a job, in block order, with the acceptJob role', (t) => {
  const txs = [
    record({ type: 'acceptJob', request_id: request, role: 'worker' }, 0),
    record({ type: 'applyJob', job_id: job, role: 'evaluator' }, 1),
    record({ type: 'send', to: key.address, amount: '1' }, 2),
    record({ type: 'submitResult', request_id: request, result: 1 }, 3),
  ];
  const outcomes: Outcome[] = [refuse('NOT_ALLOWED', 'no'), refuse('UNKNOWN_JOB', 'no'), refuse('INSUFFICIENT_FUNDS', 'no'), ok];
  const found = refusedTxsOf({ height: 7, time: 9000 }, txs, outcomes);
  t.deepEqual(found, [
    {
      subject: request,
      refused: { hash: txs[0]!.hash, height: 7, index: 0, time: 9000, from: key.address, op: 'acceptJob', role: 'worker', code: 'NOT_ALLOWED' },
    },
    { subject: job, refused: { hash: txs[1]!.hash, height: 7, index: 1, time: 9000, from: key.address, op: 'applyJob', code: 'UNKNOWN_JOB' } },
  ]);
  const junk = decodeTxRecord(4, new TextEncoder().encode('not a tx'));
  t.deepEqual(refusedTxsOf({ height: 7, time: 9000 }, [junk], [refuse('BAD_SCHEMA', 'junk')]), [], 'a record that is no tx names nothing');
});

test('the index counts every refusal of a subject and keeps the latest refusalsMax, oldest first', (t) => {
  const index = createExplainIndex({ refusalsMax: 2 });
  const refusal = (height: number) => ({
    subject: request,
    refused: { hash: `${height}`.padStart(64, '0'), height, index: 0, time: height * 1000, from: key.address, op: 'rank', code: 'NOT_ALLOWED' as const },
  });
  applyExplainIndex(index, [], [refusal(1), refusal(2)]);
  applyExplainIndex(index, [], [refusal(3)]);
  t.is(index.refused[request]!.count, 3);
  t.deepEqual(
    index.refused[request]!.latest.map((r) => r.height),
    [2, 3],
  );
});

test('from job events: when a request ran and ended, and how many open requests each evaluator is on', (t) => {
  const index = createExplainIndex();
  applyExplainIndex(index, [...setup(), ...settledRequest('r1', 1000)], []);
  applyExplainIndex(
    index,
    [
      at(20_000, { type: 'requested', request: 'r2', client, reward: '10' }),
      at(20_100, { type: 'accepted', request: 'r2', node: evaluator, role: 'evaluator' }),
    ],
    [],
  );
  t.like(index.requests['r1'], { runningAt: 1200, endedAt: 6000, endedHeight: 6 });
  t.deepEqual(index.evaluating, { 'job-1': { [evaluator]: 1 } }, 'r1 ended; r2 is open');
  applyExplainIndex(index, [at(20_200, { type: 'accepted', request: 'r2', node: w1, role: 'worker' })], []);
  t.is(index.requests['r2']!.runningAt, 20_200);
  applyExplainIndex(index, [at(30_000, { type: 'refunded', request: 'r2', client, evaluator, reason: 'noRanking', payouts: [], latencyMs: 10_000 })], []);
  t.deepEqual(index.evaluating, {});
  t.like(index.requests['r2'], { runningAt: 20_200, endedAt: 30_000, endedHeight: 30 });
});

test('folding in one call or several gives the same index, and a snapshot loads back equal; a snapshot without one is BAD_SNAPSHOT', (t) => {
  const events = [...setup(), ...settledRequest('r1', 1000), ...settledRequest('r2', 8000)];
  const whole = applyExplainIndex(createExplainIndex(), events, []);
  const parts = createExplainIndex();
  for (const event of events) applyExplainIndex(parts, [event], []);
  t.deepEqual(parts, whole);
  t.deepEqual(loadExplainIndex(JSON.parse(JSON.stringify(snapshotExplainIndex(whole)))), whole);
  t.throws(() => loadExplainIndex(undefined), { code: 'BAD_SNAPSHOT', message: /is missing/ });
  t.throws(() => loadExplainIndex({ ...whole, version: 2 }), { code: 'BAD_SNAPSHOT' });
  t.throws(() => loadExplainIndex({ ...whole, refused: { x: { count: 1 } } }), { code: 'BAD_SNAPSHOT' });
  const hostile = JSON.parse(`{"version":1,"refusalsMax":2,"refused":{},"requests":{},"evaluating":{}}`);
  applyExplainIndex(loadExplainIndex(hostile), [at(0, { type: 'accepted', request: '__proto__', node: w1, role: 'worker' })], []);
  t.is(({} as Record<string, unknown>)['runningAt'], undefined, 'a request id such as __proto__ is data');
});
