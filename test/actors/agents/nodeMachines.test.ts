import test from 'ava';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { proposerMachine, shouldCut, validatorMachine, type ProposerView, type ValidatorView } from '../../../actors/index.ts';

// The ProposerActor and ValidatorActor with a simulated clock and fake effects: when each one
// appends, what, and what it does after a failed append.

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('shouldCut: only once caught up, above the last cut height, and when work (or, asked, anything) waits', (t) => {
  const view: ProposerView = { height: 5, caughtUp: true, hasWork: true, hasPending: true };
  t.true(shouldCut(view, 4, false));
  t.false(shouldCut(view, 5, false));
  t.false(shouldCut({ ...view, caughtUp: false }, 4, false));
  t.false(shouldCut({ ...view, hasWork: false }, 4, false));
  t.true(shouldCut({ ...view, hasWork: false }, 4, true));
  t.false(shouldCut({ ...view, hasWork: false, hasPending: false }, 4, true));
});

test('a proposer cuts on its timer once per height, hurries when asked, and retries a failed append on the next tick', async (t) => {
  const clock = new SimulatedClock();
  let view: ProposerView = { height: 1, caughtUp: true, hasWork: false, hasPending: false };
  const cuts: number[] = [];
  let failNext = false;
  const errors: string[] = [];
  const machine = proposerMachine.provide({
    actors: {
      appendCut: fromPromise<{ height: number }, { height: number }>(async ({ input }) => {
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('the log is full'), { code: 'LOG_FULL' });
        }
        cuts.push(input.height);
        return input;
      }),
    },
    actions: { reportError: ({ context }) => void errors.push(context.lastError ?? '') },
  });
  const actor = createActor(machine, { input: { intervalMs: 100, view: () => view }, clock }).start();
  clock.increment(100);
  await settle();
  t.deepEqual(cuts, [], 'nothing waits: no marker');
  view = { ...view, hasWork: true };
  clock.increment(99);
  await settle();
  t.deepEqual(cuts, []);
  clock.increment(1);
  await settle();
  t.deepEqual(cuts, [1]);
  clock.increment(100);
  await settle();
  t.deepEqual(cuts, [1], 'one marker per height, even while work still waits');
  view = { ...view, height: 2 };
  actor.send({ type: 'CUT_SOON' });
  await settle();
  t.deepEqual(cuts, [1, 2], 'asked to hurry: no need to wait for the timer');
  view = { height: 3, caughtUp: true, hasWork: false, hasPending: true };
  actor.send({ type: 'CUT_SOON' });
  await settle();
  t.deepEqual(cuts, [1, 2], 'only attestations wait: not without evenIfIdle');
  actor.send({ type: 'CUT_SOON', evenIfIdle: true });
  await settle();
  t.deepEqual(cuts, [1, 2, 3]);
  view = { height: 4, caughtUp: true, hasWork: true, hasPending: true };
  failNext = true;
  actor.send({ type: 'CUT_SOON' });
  await settle();
  t.deepEqual(errors, ['LOG_FULL: the log is full']);
  t.is(actor.getSnapshot().value, 'waiting');
  clock.increment(100);
  await settle();
  t.deepEqual(cuts, [1, 2, 3, 4], 'retried on the next tick');
  view = { ...view, height: 5, caughtUp: false };
  clock.increment(100);
  await settle();
  t.deepEqual(cuts, [1, 2, 3, 4], 'replaying its log: no marker for a stale height');
  actor.stop();
});

test('a validator attests every block above what it attested, in order, once caught up; a failure is retried at the next block', async (t) => {
  const clock = new SimulatedClock();
  let view: ValidatorView = { height: 3, caughtUp: false };
  const attested: number[] = [];
  let failAt = 0;
  const errors: string[] = [];
  const machine = validatorMachine.provide({
    actors: {
      attest: fromPromise<{ height: number }, { height: number }>(async ({ input }) => {
        if (input.height === failAt) {
          failAt = 0;
          throw new Error('append failed');
        }
        attested.push(input.height);
        return input;
      }),
    },
    actions: { reportError: ({ context }) => void errors.push(context.lastError ?? '') },
  });
  const actor = createActor(machine, { input: { intervalMs: 1000, attestedUpTo: 1, view: () => view }, clock }).start();
  await settle();
  t.deepEqual(attested, [], 'still replaying: attests nothing');
  view = { height: 3, caughtUp: true };
  clock.increment(1000);
  for (let i = 0; i < 5; i++) await settle();
  t.deepEqual(attested, [2, 3], 'after a restart, the tick finds the blocks above the final height');
  view = { height: 5, caughtUp: true };
  failAt = 5;
  actor.send({ type: 'BLOCK' });
  for (let i = 0; i < 5; i++) await settle();
  t.deepEqual(attested, [2, 3, 4]);
  t.deepEqual(errors, ['append failed']);
  actor.send({ type: 'BLOCK' });
  for (let i = 0; i < 5; i++) await settle();
  t.deepEqual(attested, [2, 3, 4, 5]);
  actor.stop();
});
