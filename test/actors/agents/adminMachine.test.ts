import test from 'ava';
import { createActor, fromCallback, fromPromise, toPromise, type EventObject } from 'xstate';
import { adminMachine, applicantMachine, judgeApplicant, testRunOf, testTaskOf, type Application } from '../../../actors/index.ts';
import type { Op } from '../../../schemas/index.ts';

// The admin's test of applicants and the applicant's answer, as pure functions and as machines
// with fake effects: what each runs, what it submits, and how it ends.

const testData = {
  request: { y: 9 },
  workers: [
    { node: 'close', response: { x: 2.999 } },
    { node: 'far', response: { x: 1.5 } },
  ],
};
const job = 'j'.repeat(64);

test('testRunOf: a worker’s answer is ranked among the test replies; an evaluator’s ranking against the admin’s own; nothing to run otherwise', (t) => {
  const worker: Application = { node: 'w', role: 'worker', testResult: { x: 3 } };
  t.deepEqual(testRunOf(testData, worker), { request: { y: 9 }, workers: [...testData.workers, { node: 'w', response: { x: 3 } }] });
  t.deepEqual(testRunOf(testData, { node: 'e', role: 'evaluator', testResult: { node: [] } }), { request: { y: 9 }, workers: testData.workers });
  t.is(testRunOf(undefined, worker), null);
  t.is(testRunOf(testData, { node: 'a', role: 'admin' }), null);
  t.is(testRunOf(testData, { node: 'w', role: 'worker' }), null);
  t.is(testRunOf({ request: { y: 9 } }, { node: 'e', role: 'evaluator', testResult: { node: [] } }), null);
});

test('judgeApplicant: passes, and each refusal in a sentence', (t) => {
  t.is(judgeApplicant(undefined, { node: 'w', role: 'worker' }, undefined), null, 'no test data: no test');
  t.is(judgeApplicant(testData, { node: 'a', role: 'admin' }, undefined), null);
  t.regex(judgeApplicant(testData, { node: 'w', role: 'worker' }, undefined)!, /without a test_result/);
  t.is(judgeApplicant(testData, { node: 'w', role: 'worker', testResult: { x: 3 } }, { node: ['w', 'close', 'far'] }), null);
  t.regex(judgeApplicant(testData, { node: 'w', role: 'worker', testResult: {} }, { node: ['close', 'far'] })!, /did not rank its answer/);
  t.is(judgeApplicant(testData, { node: 'e', role: 'evaluator', testResult: { node: ['close', 'far'] } }, { node: ['close', 'far'] }), null);
  t.regex(
    judgeApplicant(testData, { node: 'e', role: 'evaluator', testResult: { node: ['far', 'close'] } }, { node: ['close', 'far'] })!,
    /ranked the test replies/,
  );
  t.regex(judgeApplicant(testData, { node: 'e', role: 'evaluator', testResult: 'close' }, { node: ['close', 'far'] })!, /not a ranking/);
  t.is(
    judgeApplicant({ request: { y: 9 } }, { node: 'e', role: 'evaluator', testResult: 'anything' }, undefined),
    null,
    'no replies to rank: nothing to test an evaluator on',
  );
});

test('testTaskOf: a worker answers the request, an evaluator ranks the replies', (t) => {
  t.deepEqual(testTaskOf('worker', testData), { program: 'worker', request: { y: 9 } });
  t.deepEqual(testTaskOf('evaluator', testData), { program: 'evaluator', request: testData });
  t.is(testTaskOf('admin', testData), null);
  t.is(testTaskOf('worker', undefined), null);
});

/** Fake effects: applications arrive as given; the evaluator ranks every finite x; submits are recorded. */
function adminEffects(applications: Application[], failRun = false) {
  const sent: Op[] = [];
  return {
    sent,
    actors: {
      submit: fromPromise<{ hash: string; height: number }, { op: Op }>(async ({ input }) => {
        sent.push(input.op);
        return { hash: job, height: 3 };
      }),
      applications: fromCallback<EventObject, { job: string; fromHeight?: number }>(({ sendBack }) => {
        const timer = setTimeout(() => {
          for (const a of applications) sendBack({ type: 'APPLIED', ...a });
        }, 5);
        return () => clearTimeout(timer);
      }),
      run: fromPromise<unknown, { program: 'worker' | 'evaluator'; request: unknown }>(async ({ input }) => {
        if (failRun) throw Object.assign(new Error('exit 1'), { code: 'RUN_FAILED' });
        const { workers } = input.request as { workers: { node: string; response: { x?: number } }[] };
        return {
          node: workers
            .filter((w) => Number.isFinite(w.response.x))
            .sort((a, b) => Math.abs(9 - a.response.x! ** 2) - Math.abs(9 - b.response.x! ** 2))
            .map((w) => w.node),
        };
      }),
    },
  };
}

test('an admin registers, tests each applicant once, approves or drops it, and is done when all it waits for are decided', async (t) => {
  const fake = adminEffects([
    { node: 'w1', role: 'worker', testResult: { x: 3 } },
    { node: 'w2', role: 'worker', testResult: {} },
    { node: 'w1', role: 'worker', testResult: { x: 3 } },
    { node: 'e1', role: 'evaluator', testResult: { node: ['close', 'far'] } },
    { node: 'a2', role: 'admin' },
  ]);
  const op = { type: 'registerJob', job_specification: 'syntax = "proto3";', test_data: testData } as const;
  const input = {
    op,
    applicants: [
      { node: 'w1', role: 'worker' },
      { node: 'w2', role: 'worker' },
      { node: 'e1', role: 'evaluator' },
      { node: 'a2', role: 'admin' },
    ],
  } as const;
  const output = await toPromise(createActor(adminMachine.provide({ actors: fake.actors }), { input }).start());
  t.deepEqual(output.approved, ['w1', 'e1', 'a2']);
  t.deepEqual(
    output.refused.map((r) => [r.node, r.role]),
    [['w2', 'worker']],
  );
  t.deepEqual(
    fake.sent.map((o) => [o.type, 'node' in o ? o.node : '']),
    [
      ['registerJob', ''],
      ['approveNode', 'w1'],
      ['drop', 'w2'],
      ['approveNode', 'e1'],
      ['approveNode', 'a2'],
    ],
  );
  t.regex((fake.sent[2] as { reason: string }).reason, /^failed the job's test: the evaluator program did not rank/);
});

test('an admin whose evaluator cannot run drops the applicant with that reason; one whose applicants never come fails past its patience', async (t) => {
  const op = { type: 'registerJob', job_specification: 'syntax = "proto3";', test_data: testData } as const;
  const broken = adminEffects([{ node: 'w1', role: 'worker', testResult: { x: 3 } }], true);
  const output = await toPromise(
    createActor(adminMachine.provide({ actors: broken.actors }), { input: { op, applicants: [{ node: 'w1', role: 'worker' }] } }).start(),
  );
  t.deepEqual(output.refused, [{ node: 'w1', role: 'worker', why: "the admin's evaluator run on its test failed: RUN_FAILED: exit 1" }]);
  const nobody = adminEffects([]);
  const waited = await toPromise(
    createActor(adminMachine.provide({ actors: nobody.actors }), { input: { op, applicants: [{ node: 'w1', role: 'worker' }], patienceMs: 30 } }).start(),
  );
  t.is(waited.error, 'NOT_FINAL: 1 applicants were not decided within 30 ms');
  t.is(waited.job, job);
});

test('an applicant answers the test data with its program and applies with the answer; a failed run does not apply', async (t) => {
  const sent: Op[] = [];
  const actors = (reply: unknown, fails = false) => ({
    submit: fromPromise<{ hash: string; height: number }, { op: Op }>(async ({ input }) => {
      sent.push(input.op);
      return { hash: job, height: 4 };
    }),
    run: fromPromise<unknown, { program: 'worker' | 'evaluator'; request: unknown }>(async ({ input }) => {
      if (fails) throw Object.assign(new Error('the reply is not JSON'), { code: 'BAD_REPLY' });
      return { reply, ...input };
    }),
  });
  const worker = await toPromise(createActor(applicantMachine.provide({ actors: actors({ x: 3 }) }), { input: { job, role: 'worker', testData } }).start());
  t.deepEqual(worker, { job, role: 'worker', applied: true, testResult: { reply: { x: 3 }, program: 'worker', request: { y: 9 } } });
  const plain = await toPromise(createActor(applicantMachine.provide({ actors: actors(null) }), { input: { job, role: 'evaluator' } }).start());
  t.deepEqual(plain, { job, role: 'evaluator', applied: true });
  const failed = await toPromise(createActor(applicantMachine.provide({ actors: actors(null, true) }), { input: { job, role: 'worker', testData } }).start());
  t.deepEqual(failed, { job, role: 'worker', applied: false, error: 'BAD_REPLY: the reply is not JSON' });
  t.deepEqual(sent, [
    { type: 'applyJob', job_id: job, role: 'worker', test_result: { reply: { x: 3 }, program: 'worker', request: { y: 9 } } },
    { type: 'applyJob', job_id: job, role: 'evaluator' },
  ]);
});
