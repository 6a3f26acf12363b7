import { enqueueActions, setup } from 'xstate';
import type { ConsensusConfig, ConsensusEffect, ConsensusEvent, ConsensusState } from './consensusTypes.ts';
import { decideConsensus, initialConsensusState } from './decideConsensus.ts';

type EffectOf<T extends ConsensusEffect['type']> = Extract<ConsensusEffect, { type: T }>;

export interface ConsensusInput {
  /** This node's validator address, or `null` to follow without voting. */
  readonly self: string | null;
  readonly config?: ConsensusConfig;
}

/**
 * The consensus machine (CometBFT's Algorithm 1) as an XState v5 machine whose context is the
 * pure state of `decideConsensus`: `transition(consensusMachine, snapshot, event)` is pure and
 * returns the effects as actions (type and params). `runtime/` provides them with `.provide({
 * actions: { propose, vote, schedule, check, commit, evidence, gossip } })`; each receives its
 * effect as params, in the order decided. The defaults do nothing.
 * @example createActor(consensusMachine.provide({ actions: { vote: (_, effect) => sign(effect) } }), { input: { self } })
 */
export const consensusMachine = setup({
  types: { input: {} as ConsensusInput, context: {} as ConsensusState, events: {} as ConsensusEvent },
  actions: {
    propose: (_, _effect: EffectOf<'propose'>) => {},
    vote: (_, _effect: EffectOf<'vote'>) => {},
    schedule: (_, _effect: EffectOf<'schedule'>) => {},
    check: (_, _effect: EffectOf<'check'>) => {},
    commit: (_, _effect: EffectOf<'commit'>) => {},
    evidence: (_, _effect: EffectOf<'evidence'>) => {},
    gossip: (_, _effect: EffectOf<'gossip'>) => {},
    decide: enqueueActions(({ context, event, enqueue }) => {
      const { state, effects } = decideConsensus(context, event);
      enqueue.assign(() => state);
      for (const effect of effects) enqueue({ type: effect.type, params: effect } as never);
    }),
  },
}).createMachine({
  id: 'consensus',
  // transition() makes a throwaway actor without input on some calls: answer it with a follower's state.
  context: ({ input }) => initialConsensusState({ self: input?.self ?? null, config: input?.config }),
  initial: 'idle',
  states: {
    idle: { on: { start: { target: 'running', actions: 'decide' } } },
    running: { on: { '*': { actions: 'decide' } } },
  },
});
