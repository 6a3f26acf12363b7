import test from 'ava';
import { join } from 'node:path';
import fc from 'fast-check';
import { assign, createMachine, initialTransition, setup, transition, type AnyStateMachine } from 'xstate';
import { jobMachine, nodeMachine, shardMachine, type JobMachineEvent, type ShardInput, type ShardMachineEvent } from '../../../actors/index.ts';
import type { NodeMachineEvent } from '../../../actors/job/nodeMachine.ts';
import { compileFlatMachine, flatStart, flatStep, type FlatSnapshot } from '../../../actors/job/flatMachine.ts';
import { xstateVersionChecked } from '../../../actors/job/xstateTable.ts';
import type { Certificate } from '../../../schemas/index.ts';

// The fold steps its machines with a flat step read off the machine (actors/job/flatMachine.ts):
// given random event sequences, then every step is XState's own `transition`, state and context
// alike, and an event XState does not take is one the flat step refuses.

const addresses = ['0xa', '0xb', '0xc', '0xd'];
const times = fc.integer({ min: 0, max: 2_000_000 });

const jobEvent: fc.Arbitrary<JobMachineEvent> = fc.oneof(
  fc.record({ type: fc.constant('acceptEvaluator' as const), node: fc.constantFrom(...addresses), deposit: fc.constantFrom('0', '20'), time: times }),
  fc.record({ type: fc.constant('acceptWorker' as const), node: fc.constantFrom(...addresses), time: times }),
  fc.record({ type: fc.constant('submitResult' as const), node: fc.constantFrom(...addresses), time: times }),
  fc.record({ type: fc.constant('rank' as const), ranking: fc.subarray(addresses), time: times }),
  fc.record({ type: fc.constant('acceptResult' as const), time: times }),
  fc.record({ type: fc.constant('challenge' as const), time: times }),
  fc.record({ type: fc.constant('challenge' as const), worker: fc.constantFrom(...addresses), time: times }),
  fc.record({ type: fc.constant('resolveChallenge' as const), uphold: fc.boolean(), time: times }),
  fc.record({ type: fc.constant('resolveChallenge' as const), uphold: fc.constant(true), ranking: fc.subarray(addresses, { minLength: 1 }), time: times }),
  fc.record({
    type: fc.constant('blindChallenge' as const),
    reward: fc.constantFrom('1', '9'),
    quorum: fc.integer({ min: 1, max: 3 }),
    eligible: fc.constant(4),
    time: times,
  }),
  fc.record({ type: fc.constant('blindVerdict' as const), admin: fc.constantFrom(...addresses), uphold: fc.boolean(), time: times }),
  fc.record({ type: fc.constant('deadline' as const), time: times }),
);

const jobInput = fc.record({
  job: fc.constant('j'),
  request: fc.constant('r'),
  client: fc.constant('0xe'),
  reward: fc.tuple(fc.constantFrom('0', '1', '10'), fc.constantFrom('1', '10')),
  rewardFunction: fc.constantFrom('even', 'winnerOnly', 'ranked' as const),
  rewardWeights: fc.option(fc.array(fc.constantFrom(1, 2, 3), { minLength: 1, maxLength: 3 }), { nil: null }),
  timeLimitMs: fc.constantFrom(1000, 60_000),
  skipEvaluation: fc.boolean(),
  evaluatorsAllowed: fc.constant(null),
  workersAllowed: fc.constant(null),
  fee: fc.constant('2'),
  challengeFee: fc.constant('5'),
  windows: fc.record({
    claimWindowMs: fc.constant(4000),
    rankWindowMs: fc.constant(2000),
    resolveWindowMs: fc.constant(3000),
    maxChallenges: fc.nat(3),
    maxTimeLimitMs: fc.constant(600_000),
    blindWindowMs: fc.constantFrom(600_000, 5000),
  }),
  requestedAt: times,
});

const nodeEvent: fc.Arbitrary<NodeMachineEvent> = fc.oneof(
  fc.record({ type: fc.constant('approve' as const), by: fc.constantFrom(null, '0xa'), time: times }),
  fc.record({ type: fc.constant('drop' as const), time: times }),
);

/** Folds `events` both ways from `input`, comparing after every step. */
function sameAsXState(t: import('ava').ExecutionContext, machine: AnyStateMachine, input: unknown, events: readonly { type: string }[]): void {
  const flat = compileFlatMachine(machine);
  let [snapshot] = initialTransition(machine, input);
  let ours: FlatSnapshot = flatStart(flat, input);
  t.deepEqual({ state: ours.state, context: ours.context }, { state: snapshot.value, context: snapshot.context });
  for (const event of events) {
    const [next] = transition(machine, snapshot, event);
    const stepped = flatStep(flat, ours, event);
    if (next.value === snapshot.value && next.context === snapshot.context) {
      t.is(stepped, null, `${event.type} in ${String(snapshot.value)}`);
      continue;
    }
    t.not(stepped, null, `${event.type} in ${String(snapshot.value)}`);
    t.deepEqual({ state: stepped!.state, context: stepped!.context }, { state: next.value, context: next.context });
    snapshot = next;
    ours = stepped!;
  }
}

test('given random events, when the job machine steps flat, then each step is XState’s transition', (t) => {
  fc.assert(
    fc.property(jobInput, fc.array(jobEvent, { maxLength: 30 }), (input, events) => {
      sameAsXState(t, jobMachine, input, events);
    }),
    { numRuns: 300 },
  );
});

test('given random events, when the node machine steps flat, then each step is XState’s transition', (t) => {
  const input = { job: 'j', node: '0xa', role: 'worker' as const, appliedAt: 5 };
  fc.assert(
    fc.property(fc.array(nodeEvent, { maxLength: 6 }), (events) => {
      sameAsXState(t, nodeMachine, input, events);
    }),
    { numRuns: 100 },
  );
});

const shardEvent: fc.Arbitrary<ShardMachineEvent> = fc.oneof(
  fc.record({
    type: fc.constant('report' as const),
    last: fc.record({ height: fc.nat(100), hash: fc.constant('h'), proposal: fc.constant('p'), stateRoot: fc.constant('s'), time: times }),
    time: times,
  }),
  fc.record({ type: fc.constant('deadline' as const), time: times }),
  fc.record({
    type: fc.constant('fork' as const),
    fork: fc.record({
      childHeight: fc.nat(100),
      recorded: fc.constant('a'),
      reported: fc.constant('b'),
      certificate: fc.constant({ height: 1, round: 0, hash: 'b', votes: [] } as unknown as Certificate),
    }),
    time: times,
  }),
  fc.record({ type: fc.constant('close' as const), time: times }),
);

test('given random events, when the shard machine steps flat, then each step is XState’s transition', (t) => {
  const input: ShardInput = {
    path: '/apps/x',
    chain: 'c',
    tx: 't',
    owner: '0xa',
    genesis: 'g',
    validators: [{ address: '0xb', stake: '1' }],
    rules: { blockIntervalMs: 1000, reportPeriodMs: 5000, timeouts: { proposeMs: 10, prevoteMs: 10, precommitMs: 10, roundDeltaMs: 0 } },
    branchedAt: { height: 1, time: 7 },
    last: { height: 0, hash: 'g', proposal: '', stateRoot: 'r', time: 0 },
  };
  fc.assert(
    fc.property(fc.array(shardEvent, { maxLength: 12 }), (events) => {
      sameAsXState(t, shardMachine, input, events);
    }),
    { numRuns: 200 },
  );
});

test('given a snapshot in a state the machine does not draw, when it steps, then the fold stops loudly', (t) => {
  const flat = compileFlatMachine(nodeMachine);
  t.throws(() => flatStep(flat, { state: 'gone', context: {} }, { type: 'drop' }), { message: /does not draw/ });
});

test('given a machine outside the flat subset, when it is compiled, then it is refused', (t) => {
  const entry = createMachine({ initial: 'a', states: { a: { entry: () => {} } } });
  const nested = createMachine({ initial: 'a', states: { a: { initial: 'b', states: { b: {} } } } });
  const eventless = createMachine({ initial: 'a', states: { a: { always: { target: 'b' } }, b: {} } });
  const raising = setup({ actions: { log: () => {} } }).createMachine({ initial: 'a', states: { a: { on: { go: { actions: 'log' } } } } });
  for (const machine of [entry, nested, eventless, raising]) t.throws(() => compileFlatMachine(machine), { message: /flat step does not fold/ });
  const fine = setup({ types: { context: {} as { n: number } }, actions: { bump: assign({ n: ({ context }) => context.n + 1 }) } }).createMachine({
    context: { n: 0 },
    initial: 'a',
    states: { a: { on: { go: { actions: 'bump' } } } },
  });
  t.notThrows(() => compileFlatMachine(fine));
});

test('the XState installed is the version the flat step was checked against (bump xstateTable.ts and package.json together, then run this file)', async (t) => {
  const { readFile } = await import('node:fs/promises');
  const installed = JSON.parse(await readFile(join(process.cwd(), 'node_modules/xstate/package.json'), 'utf8')) as { version: string };
  const pinned = (JSON.parse(await readFile(join(process.cwd(), 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies.xstate;
  t.is(installed.version, xstateVersionChecked);
  t.is(pinned, xstateVersionChecked, 'package.json pins xstate exactly');
});
