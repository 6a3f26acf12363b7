import test from 'ava';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { proposerMachine, shouldCut, validatorMachine, type ProposerView, type ValidatorView } from '../../../actors/index.ts';
import { key, TestChain } from '../ledger/chain.ts';

// The ProposerActor and ValidatorActor with a simulated clock and fake effects: when each one
// appends, what, and what it does after a failed append.

const settle = () => new Promise((resolve) => setImmediate(resolve));
const validator = key(31);
/** A dev-like chain: the validator holds all the stake, so its vote alone makes a block final. */
const soloGenesis = {
  chain: 'ain-test',
  owner: validator.address,
  accounts: { [validator.address]: { balance: '10', stake: '10' } },
  proposers: [validator.address],
  block: {},
};

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

test('a validator attests, in order, each block its ledger says it should once caught up; a failure is retried at the next block; a restarted one resumes from its ledger', async (t) => {
  const clock = new SimulatedClock();
  const chain = new TestChain(soloGenesis);
  /** The next block, holding its attestations of these blocks. */
  const block = (...heights: number[]) =>
    chain.block(heights.map((h) => chain.tx(validator, { type: 'attest', height: h, hash: chain.blocks[h - 1]!.hash, genesis: chain.ledger.genesisHash })));
  for (let h = 1; h <= 3; h++) block();
  let caughtUp = false;
  let waiting: number[] = [];
  const view = (): ValidatorView => ({ tree: chain.ledger.tree, height: chain.ledger.height, caughtUp, waiting: new Set(waiting) });
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
  const start = () => createActor(machine, { input: { intervalMs: 1000, address: validator.address, view }, clock }).start();
  const settleAll = async () => {
    for (let i = 0; i < 8; i++) await settle();
  };

  let actor = start();
  await settleAll();
  t.deepEqual(attested, [], 'still replaying: attests nothing');
  caughtUp = true;
  clock.increment(1000);
  await settleAll();
  t.deepEqual(attested, [1, 2, 3], 'the tick finds the blocks it has not attested');
  block(1, 2, 3);
  failAt = 4;
  actor.send({ type: 'BLOCK' });
  await settleAll();
  t.deepEqual(errors, ['append failed']);
  block();
  actor.send({ type: 'BLOCK' });
  await settleAll();
  t.deepEqual(attested, [1, 2, 3, 4, 5], 'the failed one first');
  actor.stop();

  // Restarted: the replayed ledger holds its votes of 1..5, and its vote of 6 waits in the log beyond the last block.
  block(4, 5);
  waiting = [6];
  actor = start();
  await settleAll();
  t.deepEqual(attested, [1, 2, 3, 4, 5], 'no block attested twice');
  block(6);
  waiting = [];
  actor.send({ type: 'BLOCK' });
  await settleAll();
  t.deepEqual(attested, [1, 2, 3, 4, 5, 7]);
  actor.stop();
});
