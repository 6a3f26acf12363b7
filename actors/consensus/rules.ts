import { AinError, type Vote } from '../../schemas/index.ts';
import type { ConsensusState, HeldProposal } from './consensusTypes.ts';
import { castVote, schedule, startRound, type Effects } from './rounds.ts';
import { allVotesOf, isQuorum, isThird, participation, tally, votesFor, votesOf } from './voteBook.ts';

// The "upon" rules of Algorithm 1 (arXiv 1807.04938), numbered by the paper's lines. Each takes
// the state and returns it changed if it fired; `settle` applies them until none fires.

function heldIn(state: ConsensusState, round: number): HeldProposal[] {
  return Object.values(state.proposals[round] ?? {});
}

/** Lines 49–54: a valid proposal of any round with 2f + 1 precommits for it is decided. */
function decide(state: ConsensusState, out: Effects): ConsensusState {
  for (const key of Object.keys(state.proposals)) {
    const round = Number(key);
    for (const { proposal, valid } of heldIn(state, round)) {
      const hash = proposal.block.hash;
      if (valid !== true || !isQuorum(state, tally(state, round, 'precommit', hash))) continue;
      const votes = votesFor(state, round, 'precommit', hash);
      out.push({ type: 'commit', height: state.height, block: proposal.block, certificate: { height: state.height, round, hash, votes } });
      return { ...state, step: 'commit', decided: { round, hash } };
    }
  }
  return state;
}

/** Lines 55–56: f + 1 of the power is already in a later round: go there (the latest such). */
function skipRound(state: ConsensusState, out: Effects): ConsensusState {
  const later = new Set<number>();
  for (const key of [...Object.keys(state.votes), ...Object.keys(state.proposals)]) if (Number(key) > state.round) later.add(Number(key));
  const target = [...later].sort((a, b) => b - a).find((round) => isThird(state, participation(state, round)));
  return target === undefined ? state : startRound(state, target, out);
}

/** Lines 22–33: prevote the round's proposal if valid and not against the lock (or a later polka frees it). */
function prevoteProposal(state: ConsensusState, out: Effects): ConsensusState {
  if (state.step !== 'propose') return state;
  for (const { proposal, valid } of heldIn(state, state.round)) {
    if (valid === null) continue;
    const { validRound, block } = proposal;
    const lock = state.locked;
    let acceptable: boolean;
    if (validRound === -1) acceptable = lock === null || lock.hash === block.hash;
    else if (validRound < state.round && isQuorum(state, tally(state, validRound, 'prevote', block.hash)))
      acceptable = lock === null || lock.round <= validRound || lock.hash === block.hash;
    else continue;
    const voted = castVote(state, out, 'prevote', valid && acceptable ? block.hash : null);
    return { ...voted, step: 'prevote' };
  }
  return state;
}

/**
 * Lines 57–60: the propose timeout passed and no proposal of the round is left to judge: prevote
 * nil. Algorithm 1 takes a proposal's validity as known when it arrives; here judging a block
 * takes time (every record is checked), so a proposal that arrived before the timeout is judged
 * first, and prevoted by `prevoteProposal` if valid, instead of losing the round to its size.
 */
function proposeTimedOut(state: ConsensusState, out: Effects): ConsensusState {
  if (state.step !== 'propose' || !state.fired.proposeTimeout || heldIn(state, state.round).some(({ valid }) => valid === null)) return state;
  return { ...castVote(state, out, 'prevote', null), step: 'prevote' };
}

/** Lines 34–35: 2f + 1 prevotes for anything: wait timeoutPrevote for a polka. */
function awaitPolka(state: ConsensusState, out: Effects): ConsensusState {
  if (state.step !== 'prevote' || state.fired.prevoteTimeout || !isQuorum(state, tally(state, state.round, 'prevote'))) return state;
  schedule(state, out, 'prevote');
  return { ...state, fired: { ...state.fired, prevoteTimeout: true } };
}

/** Lines 36–43: a polka for a valid proposal of this round: lock on it and precommit it (in step prevote); it becomes the valid value. */
function lockOnPolka(state: ConsensusState, out: Effects): ConsensusState {
  if ((state.step !== 'prevote' && state.step !== 'precommit') || state.fired.polka) return state;
  const polka = heldIn(state, state.round).find(
    ({ proposal, valid }) => valid === true && isQuorum(state, tally(state, state.round, 'prevote', proposal.block.hash)),
  );
  if (polka === undefined) return state;
  const { block } = polka.proposal;
  let next: ConsensusState = { ...state, valid: { block, round: state.round }, fired: { ...state.fired, polka: true } };
  if (state.step === 'prevote') {
    const kept = { proposal: polka.proposal, polka: votesFor(state, state.round, 'prevote', block.hash) };
    next = castVote({ ...next, locked: { hash: block.hash, round: state.round } }, out, 'precommit', block.hash, kept);
    next = { ...next, step: 'precommit' };
  }
  return next;
}

/** Lines 44–46: 2f + 1 prevotes for nil: precommit nil. */
function precommitNil(state: ConsensusState, out: Effects): ConsensusState {
  if (state.step !== 'prevote' || !isQuorum(state, tally(state, state.round, 'prevote', null))) return state;
  return { ...castVote(state, out, 'precommit', null), step: 'precommit' };
}

/** Lines 47–48: 2f + 1 precommits for anything: wait timeoutPrecommit, then the next round. */
function awaitCommit(state: ConsensusState, out: Effects): ConsensusState {
  if (state.fired.precommitTimeout || !isQuorum(state, tally(state, state.round, 'precommit'))) return state;
  schedule(state, out, 'precommit');
  return { ...state, fired: { ...state.fired, precommitTimeout: true } };
}

const rules = [decide, skipRound, prevoteProposal, proposeTimedOut, awaitPolka, lockOnPolka, precommitNil, awaitCommit];

/** Each rule fires at most once per round and step, and rounds only rise: a few passes settle any event. */
const passesMax = 64;

/** Applies the rules until none fires. */
export function settle(state: ConsensusState, out: Effects): ConsensusState {
  for (let pass = 0; pass < passesMax; pass++) {
    if (state.height === 0 || state.step === 'commit') return state;
    let fired = false;
    for (const rule of rules) {
      const next = rule(state, out);
      if (next !== state) {
        state = next;
        fired = true;
        break;
      }
    }
    if (!fired) return state;
  }
  throw new AinError('INTERNAL', `Consensus rules did not settle within ${passesMax} passes at height ${state.height}, round ${state.round}.`);
}

/**
 * What this node sends again on its gossip timer: its own proposal of the round while a validator
 * has not prevoted in it (a proposal is the one big message: sent again by every node that holds
 * it, on every tick, blocks of megabytes would crowd the votes out of the links), the round's
 * votes, the previous round's precommits (a node still there needs them to time out, and a node
 * that has moved on sends nothing else for that round), and the polka each re-proposal rests on.
 */
export function gossipOf(state: ConsensusState): { proposals: HeldProposal['proposal'][]; votes: Vote[] } {
  const prevoted = votesOf(state, state.round).prevote;
  const someoneWaits = state.validators.validators.some((v) => prevoted[v.address] === undefined);
  const held = heldIn(state, state.round).map(({ proposal }) => proposal);
  const proposals = someoneWaits ? held.filter((p) => p.proposer === state.self) : [];
  const votes = allVotesOf(state, state.round);
  if (state.round > 0) votes.push(...Object.values(votesOf(state, state.round - 1).precommit).flat());
  for (const { validRound, block } of held) if (validRound >= 0) votes.push(...votesFor(state, validRound, 'prevote', block.hash));
  return { proposals, votes };
}
