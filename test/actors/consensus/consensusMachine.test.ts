import test from 'ava';
import fc from 'fast-check';
import { createActor, initialTransition, transition } from 'xstate';
import { consensusMachine, decideConsensus, initialConsensusState, proposerOf, type ConsensusEffect, type ConsensusEvent } from '../../../actors/index.ts';
import { addressOf, blockOf, proposalOf, setOf, testConfig, voteOf } from './fixtures.ts';

// The XState machine is the pure step: same state, same effects (as actions with params), and a
// live actor hands the effects to the actions runtime/ provides.

const set = setOf([1, 2, 3, 4]);
const [v1, v2, v3, v4] = [1, 2, 3, 4].map(addressOf) as [string, string, string, string];
const x = blockOf('x');

const eventArb: fc.Arbitrary<ConsensusEvent> = fc.oneof(
  fc.record({ round: fc.nat(3), valid: fc.boolean() }).map(({ round, valid }) => ({
    type: 'proposal' as const,
    proposal: proposalOf(proposerOf(set, round), 1, round, x),
    valid,
  })),
  fc
    .record({
      from: fc.constantFrom(v1, v2, v3, v4),
      round: fc.nat(3),
      kind: fc.constantFrom('prevote' as const, 'precommit' as const),
      hash: fc.constantFrom(x.hash, null),
    })
    .map(({ from, round, kind, hash }) => ({
      type: 'vote' as const,
      vote: voteOf(from, 1, round, kind, hash),
    })),
  fc
    .record({ round: fc.nat(3), step: fc.constantFrom('propose' as const, 'prevote' as const, 'precommit' as const, 'gossip' as const) })
    .map(({ round, step }) => ({
      type: 'timeout' as const,
      height: 1,
      round,
      step,
    })),
);

const paramsOf = (actions: readonly { type: string; params?: unknown }[]) =>
  actions.filter((a) => a.type !== 'xstate.assign').map((a) => a.params as ConsensusEffect);

test('transition() of the machine is decideConsensus: the same context and the effects as actions, in order', (t) => {
  fc.assert(
    fc.property(fc.array(eventArb, { maxLength: 40 }), (events) => {
      const input = { self: v2, config: testConfig };
      let [snapshot] = initialTransition(consensusMachine, input);
      let state = initialConsensusState(input);
      for (const event of [{ type: 'start', height: 1, validators: set } as const, ...events]) {
        const [next, actions] = transition(consensusMachine, snapshot, event);
        const step = decideConsensus(state, event);
        t.deepEqual(next.context, step.state);
        t.deepEqual(paramsOf(actions), step.effects);
        [snapshot, state] = [next, step.state];
      }
      t.is(snapshot.value, 'running');
    }),
    { numRuns: 50 },
  );
});

test('before start it ignores everything', (t) => {
  const [snapshot] = initialTransition(consensusMachine, { self: v2 });
  const [next, actions] = transition(consensusMachine, snapshot, { type: 'vote', vote: voteOf(v1, 1, 0, 'prevote', x.hash) });
  t.is(next.value, 'idle');
  t.deepEqual(actions, []);
});

test('a live actor calls the provided actions with each effect', (t) => {
  const seen: string[] = [];
  const machine = consensusMachine.provide({
    actions: {
      schedule: (_, effect) => void seen.push(`schedule ${effect.step} ${effect.timeoutMs}`),
      propose: (_, effect) => void seen.push(`propose ${effect.round}`),
      vote: (_, effect) => void seen.push(`vote ${effect.kind} ${effect.hash === null ? 'nil' : 'x'}`),
    },
  });
  const actor = createActor(machine, { input: { self: v4, config: testConfig } }).start();
  actor.send({ type: 'start', height: 1, validators: set });
  actor.send({ type: 'proposal', proposal: proposalOf(proposerOf(set, 0), 1, 0, x), valid: true });
  t.deepEqual(seen, ['schedule propose 400', 'schedule gossip 300', ...(proposerOf(set, 0) === v4 ? ['propose 0'] : []), 'vote prevote x']);
  t.is(actor.getSnapshot().context.step, 'prevote');
  actor.stop();
});
