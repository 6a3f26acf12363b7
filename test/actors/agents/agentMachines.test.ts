import test from 'ava';
import { createActor, fromPromise, toPromise } from 'xstate';
import { clientMachine, evaluatorMachine, workerMachine, type RequestView, type WorkerRun } from '../../../actors/index.ts';
import type { Op } from '../../../schemas/index.ts';

// The agent machines with fake effects: what each one submits, in order, and how it ends.

const request = 'a'.repeat(64);
const log = `blob://sha256:${'c'.repeat(64)}`;
const view = (state: string, results: Record<string, unknown> = {}): RequestView => ({ id: request, state, results, input: { y: 4 }, timeLimitMs: 1000 });

function effects(options: { failSubmits?: number; untilState?: RequestView; reply?: unknown; runFails?: boolean; runHangs?: boolean } = {}) {
  const sent: Op[] = [];
  const readers: (readonly string[])[] = [];
  let failures = options.failSubmits ?? 0;
  return {
    sent,
    readers,
    actors: {
      submit: fromPromise<{ hash: string; height: number }, { op: Op }>(async ({ input }) => {
        if (input.op.type === 'submitResult' && failures-- > 0) throw Object.assign(new Error('the node is busy'), { code: 'OVERLOADED' });
        sent.push(input.op);
        return { hash: 'b'.repeat(64), height: 1 };
      }),
      untilState: fromPromise<RequestView, { request: string; states: readonly string[] }>(async () => options.untilState ?? view('ranking')),
      run: fromPromise<unknown, { program: 'worker' | 'evaluator'; request: unknown }>(async ({ signal }) => {
        if (options.runHangs === true) await new Promise((resolve) => signal.addEventListener('abort', resolve));
        if (options.runFails === true) throw Object.assign(new Error('exit 1'), { code: 'RUN_FAILED' });
        return options.reply;
      }),
      runWorker: fromPromise<WorkerRun, { request: string; input: unknown; readers: readonly string[] }>(async ({ input, signal }) => {
        readers.push(input.readers);
        if (options.runHangs === true) await new Promise((resolve) => signal.addEventListener('abort', resolve));
        if (options.runFails === true) return { failure: { code: 'RUN_FAILED', message: 'exit 1' }, log };
        return { reply: options.reply, log };
      }),
    },
  };
}

test('a worker accepts, runs, and submits its result with its log; a failed submit is retried with backoff', async (t) => {
  const fake = effects({ failSubmits: 2, reply: { x: 2 } });
  const actor = createActor(workerMachine.provide({ actors: fake.actors }), {
    input: { request, input: { y: 4 }, giveUpAtMs: Date.now() + 60_000, now: Date.now, readers: ['client', 'evaluator'] },
  });
  actor.start();
  const output = await toPromise(actor);
  t.deepEqual(output, { request, submitted: true, result: { x: 2 }, log, error: 'OVERLOADED: the node is busy' });
  t.deepEqual(fake.sent, [
    { type: 'acceptJob', request_id: request, role: 'worker' },
    { type: 'submitResult', request_id: request, result: { x: 2 }, log },
  ]);
  t.deepEqual(fake.readers, [['client', 'evaluator']], 'the log is readable by the request’s client and evaluator');
});

test('a worker whose program fails submits its failure and log in place of a result; one past its time limit gives up', async (t) => {
  const failing = effects({ runFails: true });
  const failed = await toPromise(
    createActor(workerMachine.provide({ actors: failing.actors }), { input: { request, input: {}, giveUpAtMs: Date.now() + 60_000, now: Date.now } }).start(),
  );
  t.like(failed, { submitted: true, failure: { code: 'RUN_FAILED', message: 'exit 1' }, log, error: 'RUN_FAILED: exit 1' });
  t.is(failed.result, undefined);
  t.deepEqual(failing.sent, [
    { type: 'acceptJob', request_id: request, role: 'worker' },
    { type: 'submitResult', request_id: request, failure: { code: 'RUN_FAILED', message: 'exit 1' }, log },
  ]);
  const late = effects({ runHangs: true });
  const gaveUp = await toPromise(
    createActor(workerMachine.provide({ actors: late.actors }), { input: { request, input: {}, giveUpAtMs: Date.now() + 50, now: Date.now } }).start(),
  );
  t.like(gaveUp, { submitted: false, error: 'the time limit passed first' });
});

test('an evaluator ranks only workers that submitted, once each, in the program’s order; nothing to rank is a failure', async (t) => {
  const fake = effects({ untilState: view('ranking', { w1: { x: 1 }, w2: { x: 2 } }), reply: { node: ['w2', 'stranger', 'w1', 'w2'] } });
  const output = await toPromise(createActor(evaluatorMachine.provide({ actors: fake.actors }), { input: { request, deposit: '20' } }).start());
  t.deepEqual(output, { request, ranking: ['w2', 'w1'] });
  t.deepEqual(fake.sent, [
    { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' },
    { type: 'rank', request_id: request, ranking: ['w2', 'w1'] },
  ]);
  const empty = effects({ untilState: view('ranking', { w1: { x: 1 } }), reply: { node: ['stranger'] } });
  t.like(await toPromise(createActor(evaluatorMachine.provide({ actors: empty.actors }), { input: { request, deposit: '20' } }).start()), {
    error: 'the evaluator program ranked no worker that submitted',
  });
  const refunded = effects({ untilState: view('refunded') });
  t.deepEqual(await toPromise(createActor(evaluatorMachine.provide({ actors: refunded.actors }), { input: { request, deposit: '20' } }).start()), { request });
});

test('a client requests, then accepts or challenges by its policy, and follows the request to its end', async (t) => {
  const op = { type: 'requestJob', job_id: 'c'.repeat(64), job_input: { y: 4 }, reward: ['0', '10'], time_limit: 1000 } as const;
  for (const accepts of [true, false]) {
    const fake = effects({ untilState: view('ranked') });
    const output = await toPromise(
      createActor(clientMachine.provide({ actors: fake.actors }), { input: { op: { ...op, reward: ['0', '10'] }, accepts: () => accepts } }).start(),
    );
    t.is(output.request, 'b'.repeat(64));
    t.deepEqual(
      fake.sent.map((o) => o.type),
      ['requestJob', accepts ? 'acceptResult' : 'challenge'],
    );
  }
});

test('an evaluator of a request that committed to test data waits for it and runs its program with test_data.json beside it', async (t) => {
  const committed = { ...view('ranking', { w1: { x: 1 } }), testData: { commitment: 'f'.repeat(64) } };
  const revealed = { ...committed, testData: { commitment: 'f'.repeat(64), revealed: { expected: 2 }, revealedAt: 5 } };
  const fake = effects({ untilState: committed, reply: { node: ['w1'] } });
  const files: (Readonly<Record<string, string>> | undefined)[] = [];
  const waited: number[] = [];
  const actors = {
    ...fake.actors,
    untilRevealed: fromPromise<RequestView, { request: string; waitMs: number }>(async ({ input }) => {
      waited.push(input.waitMs);
      return revealed;
    }),
    run: fromPromise<unknown, { program: 'worker' | 'evaluator'; request: unknown; files?: Readonly<Record<string, string>> }>(async ({ input }) => {
      files.push(input.files);
      return { node: ['w1'] };
    }),
  };
  const output = await toPromise(createActor(evaluatorMachine.provide({ actors }), { input: { request, deposit: '20', testDataWaitMs: 500 } }).start());
  t.deepEqual(output, { request, ranking: ['w1'] });
  t.deepEqual(waited, [500]);
  t.deepEqual(files, [{ 'test_data.json': '{"expected":2}' }]);
  // Never revealed within the wait: it ranks without.
  const late: (Readonly<Record<string, string>> | undefined)[] = [];
  const silent = {
    ...actors,
    untilRevealed: fromPromise<RequestView, { request: string; waitMs: number }>(async () => committed),
    run: fromPromise<unknown, { program: 'worker' | 'evaluator'; request: unknown; files?: Readonly<Record<string, string>> }>(async ({ input }) => {
      late.push(input.files);
      return { node: ['w1'] };
    }),
  };
  t.deepEqual(await toPromise(createActor(evaluatorMachine.provide({ actors: silent }), { input: { request, deposit: '20' } }).start()), {
    request,
    ranking: ['w1'],
  });
  t.deepEqual(late, [undefined]);
});
