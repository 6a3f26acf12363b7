import type { ProposalBlock, VoteKind } from '../../schemas/index.ts';
import type { ConsensusEffect, ConsensusState, LockedValue, TimeoutStep } from './consensusTypes.ts';
import { proposerScheduleOf } from './proposerSelection.ts';
import { lastSignedOf, maySign } from './signing.ts';
import { powerOf } from './voteBook.ts';

/** Effects gathered while one event is decided; local to one call of the pure reducer. */
export type Effects = ConsensusEffect[];

/** `base + round × delta` for the step's timeout. */
export function timeoutMsOf(state: ConsensusState, step: TimeoutStep, round: number): number {
  const t = state.config.timeouts;
  switch (step) {
    case 'propose':
      return t.proposeMs + round * t.proposeDeltaMs;
    case 'prevote':
      return t.prevoteMs + round * t.prevoteDeltaMs;
    case 'precommit':
      return t.precommitMs + round * t.precommitDeltaMs;
    case 'gossip':
      return t.gossipMs;
  }
}

export function schedule(state: ConsensusState, out: Effects, step: TimeoutStep): void {
  out.push({ type: 'schedule', height: state.height, round: state.round, step, timeoutMs: timeoutMsOf(state, step, state.round) });
}

/** The schedule extended to cover `round` (and the rounds a proposal may come early for). */
export function withSchedule(state: ConsensusState, round: number): ConsensusState {
  const rounds = round + state.config.futureRoundsMax + 1;
  const schedule = proposerScheduleOf(state.validators, rounds, state.schedule);
  return schedule === state.schedule ? state : { ...state, schedule };
}

function isValidator(state: ConsensusState): boolean {
  return state.self !== null && powerOf(state, state.self) > 0n;
}

/**
 * Asks the runtime to sign and send a vote of the current round, unless this node is no
 * validator or has signed something later (or different) before: then it stays silent.
 */
export function castVote(state: ConsensusState, out: Effects, kind: VoteKind, hash: string | null, locked?: LockedValue): ConsensusState {
  if (!isValidator(state) || !maySign(state.lastSigned, state.height, state.round, kind, hash)) return state;
  const lastSigned = lastSignedOf(state, kind, hash);
  out.push({ type: 'vote', height: state.height, round: state.round, kind, hash, lastSigned, ...(locked === undefined ? {} : { locked }) });
  return { ...state, lastSigned };
}

function propose(state: ConsensusState, out: Effects): ConsensusState {
  if (!isValidator(state) || !maySign(state.lastSigned, state.height, state.round, 'propose', null)) return state;
  const value: ProposalBlock | null = state.valid?.block ?? null;
  const lastSigned = lastSignedOf(state, 'propose', value?.hash ?? null);
  out.push({ type: 'propose', height: state.height, round: state.round, validRound: state.valid?.round ?? -1, value, lastSigned });
  return { ...state, lastSigned };
}

/**
 * Algorithm 1's StartRound: the proposer proposes its valid value (or asks for a new block);
 * everyone waits for the proposal at most timeoutPropose(round). The proposer waits too, in case
 * its own proposal never comes back from the runtime. The gossip timer starts with the round.
 */
export function startRound(state: ConsensusState, round: number, out: Effects): ConsensusState {
  let next: ConsensusState = withSchedule(
    { ...state, round, step: 'propose', fired: { proposeTimeout: false, prevoteTimeout: false, polka: false, precommitTimeout: false } },
    round,
  );
  schedule(next, out, 'propose');
  schedule(next, out, 'gossip');
  if (next.schedule.proposers[round] === next.self) next = propose(next, out);
  return next;
}
