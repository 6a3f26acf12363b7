import type { LastSigned, Proposal, ValidatorSet, Vote } from '../../schemas/index.ts';
import {
  defaultConsensusConfig,
  type ConsensusConfig,
  type ConsensusEvent,
  type ConsensusState,
  type ConsensusStep,
  type ConsensusTimeouts,
  type LockedValue,
} from './consensusTypes.ts';
import { holdFuture, takeFuture } from './futureMessages.ts';
import { proposerScheduleOf } from './proposerSelection.ts';
import { castVote, schedule, startRound, withSchedule, type Effects } from './rounds.ts';
import { gossipOf, settle } from './rules.ts';
import { backing, isThird, storeVote } from './voteBook.ts';

const placeholderSet: ValidatorSet = { validators: [{ address: '0x' + '0'.repeat(40), power: '1', priority: '0' }], proposer: '0x' + '0'.repeat(40) };

/**
 * The state of a machine not started yet: it ignores everything but `start`.
 * @example initialConsensusState({ self: key.address })
 */
export function initialConsensusState({ self, config = defaultConsensusConfig }: { self: string | null; config?: ConsensusConfig }): ConsensusState {
  return {
    self,
    config,
    height: 0,
    round: 0,
    step: 'propose',
    validators: placeholderSet,
    totalPower: '1',
    schedule: { proposers: [], priorities: [] },
    locked: null,
    valid: null,
    proposals: {},
    votes: {},
    fired: { proposeTimeout: false, prevoteTimeout: false, polka: false, precommitTimeout: false },
    decided: null,
    lastSigned: null,
    evidenced: {},
    future: [],
  };
}

/** A fresh height: the set and everything per height reset; the last-signed record, identity and held messages kept. */
function atHeight(state: ConsensusState, height: number, validators: ValidatorSet): ConsensusState {
  const totalPower = validators.validators.reduce((sum, v) => sum + BigInt(v.power), 0n).toString();
  const fresh: ConsensusState = {
    ...initialConsensusState({ self: state.self, config: state.config }),
    height,
    validators,
    totalPower,
    schedule: proposerScheduleOf(validators, 1),
    lastSigned: state.lastSigned,
    future: state.future,
  };
  return withSchedule(fresh, 0);
}

/**
 * A restart within a height it already signed at: resume at that round and step, locked as the
 * record says, and send the vote it signed again (the one vote it may sign there). The block it
 * is locked on, kept with the record, is its valid value again, held with its polka: as proposer
 * it proposes that block again, and its gossip shows the polka to the nodes locked on it.
 */
function resume(state: ConsensusState, last: LastSigned, kept: LockedValue | null, out: Effects): ConsensusState {
  const locked = last.lockedHash === null ? null : { hash: last.lockedHash, round: last.lockedRound };
  let next: ConsensusState = withSchedule({ ...state, round: last.round, step: last.step, locked }, last.round);
  if (kept !== null && locked !== null && kept.proposal.height === last.height && kept.proposal.block.hash === locked.hash) next = holdLocked(next, kept);
  schedule(next, out, 'gossip');
  if (last.step === 'propose') schedule(next, out, 'propose');
  else next = castVote(next, out, last.step, last.hash);
  return next;
}

/** The kept locked value back in the state: the valid value, its proposal held as judged valid, its polka in the vote book. */
function holdLocked(state: ConsensusState, { proposal, polka }: LockedValue): ConsensusState {
  const { round, block } = proposal;
  let next: ConsensusState = {
    ...state,
    valid: { block, round },
    proposals: { ...state.proposals, [round]: { ...state.proposals[round], [block.hash]: { proposal, valid: true } } },
  };
  for (const vote of polka) {
    if (vote.height !== state.height || vote.round !== round || vote.kind !== 'prevote' || vote.hash !== block.hash) continue;
    const outcome = storeVote(next, vote);
    if (outcome.kind === 'counted') next = outcome.state;
  }
  return next;
}

/** The config with the height's timeouts, when the event brings them (a shard's rules changed). */
const withTimeouts = (state: ConsensusState, timeouts: ConsensusTimeouts | undefined): ConsensusState =>
  timeouts === undefined ? state : { ...state, config: { ...state.config, timeouts } };

function onStart(state: ConsensusState, event: Extract<ConsensusEvent, { type: 'start' }>, out: Effects): ConsensusState {
  const base = atHeight(
    withTimeouts({ ...state, lastSigned: event.lastSigned ?? state.lastSigned, future: [] }, event.timeouts),
    event.height,
    event.validators,
  );
  const last = base.lastSigned;
  return last !== null && last.height === event.height ? resume(base, last, event.locked ?? null, out) : startRound(base, 0, out);
}

function onProposal(state: ConsensusState, proposal: Proposal, valid: boolean | undefined, out: Effects): ConsensusState {
  if (state.height === 0 || proposal.height < state.height) return state;
  if (proposal.height > state.height) return holdFuture(state, { type: 'proposal', proposal });
  if (state.step === 'commit' || proposal.round > state.round + state.config.futureRoundsMax || proposal.validRound >= proposal.round) return state;
  if (state.schedule.proposers[proposal.round] !== proposal.proposer) return state;
  const hash = proposal.block.hash;
  const held = state.proposals[proposal.round] ?? {};
  const existing = held[hash];
  if (existing !== undefined) {
    if (existing.valid !== null || valid === undefined) return state;
  } else if (Object.keys(held).length > 0 && !isThird(state, backing(state, proposal.round, hash))) {
    // A second block from one proposer for one round: held only once a third of the power voted for it.
    return state;
  }
  const entry = { proposal: existing?.proposal ?? proposal, valid: valid ?? null };
  if (entry.valid === null) out.push({ type: 'check', proposal });
  return { ...state, proposals: { ...state.proposals, [proposal.round]: { ...held, [hash]: entry } } };
}

function onVote(state: ConsensusState, vote: Vote, out: Effects): ConsensusState {
  if (state.height === 0 || vote.height < state.height) return state;
  if (vote.height > state.height) return holdFuture(state, { type: 'vote', vote });
  if (state.step === 'commit') return state;
  const outcome = storeVote(state, vote);
  if (outcome.evidence !== undefined) out.push({ type: 'evidence', evidence: outcome.evidence });
  return outcome.kind === 'counted' ? outcome.state : state;
}

function onTimeout(state: ConsensusState, event: Extract<ConsensusEvent, { type: 'timeout' }>, out: Effects): ConsensusState {
  if (event.height !== state.height || event.round !== state.round || state.step === 'commit') return state;
  switch (event.step) {
    case 'propose': // lines 57–60, carried out by `proposeTimedOut` once no proposal of the round is still being judged
      return state.step === 'propose' ? { ...state, fired: { ...state.fired, proposeTimeout: true } } : state;
    case 'prevote': // lines 61–64
      return state.step === 'prevote' ? { ...castVote(state, out, 'precommit', null), step: 'precommit' } : state;
    case 'precommit': // lines 65–67
      return startRound(state, state.round + 1, out);
    case 'gossip': {
      const { proposals, votes } = gossipOf(state);
      if (proposals.length > 0 || votes.length > 0) out.push({ type: 'gossip', proposals, votes });
      schedule(state, out, 'gossip');
      return state;
    }
  }
}

function onApplied(state: ConsensusState, event: Extract<ConsensusEvent, { type: 'applied' }>, out: Effects): ConsensusState {
  if (state.height === 0 || event.height < state.height) return state;
  const taken = takeFuture(state, event.height + 1);
  let next = startRound(atHeight(withTimeouts(taken.state, event.timeouts), event.height + 1, event.validators), 0, out);
  for (const message of taken.messages) {
    next = message.type === 'vote' ? onVote(next, message.vote, out) : onProposal(next, message.proposal, undefined, out);
    next = settle(next, out);
  }
  return next;
}

/**
 * One step of consensus, pure: the state after `event` and the effects the runtime must carry
 * out, in order. The XState machine `consensusMachine` runs exactly this.
 * @example const { state, effects } = decideConsensus(state, { type: 'vote', vote })
 */
export function decideConsensus(state: ConsensusState, event: ConsensusEvent): ConsensusStep {
  const out: Effects = [];
  let next: ConsensusState;
  switch (event.type) {
    case 'start':
      next = onStart(state, event, out);
      break;
    case 'proposal':
      next = onProposal(state, event.proposal, event.valid, out);
      break;
    case 'vote':
      next = onVote(state, event.vote, out);
      break;
    case 'timeout':
      next = onTimeout(state, event, out);
      break;
    case 'applied':
      next = onApplied(state, event, out);
      break;
  }
  return { state: settle(next, out), effects: out };
}
