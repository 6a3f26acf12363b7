import { compareVoteHashes, type Evidence, type Vote, type VoteKind } from '../../schemas/index.ts';
import type { ConsensusState, RoundVotes } from './consensusTypes.ts';

const noVotes: RoundVotes = { prevote: {}, precommit: {} };

/** A validator's voting power at this height; 0 for anyone else. */
export function powerOf(state: ConsensusState, address: string): bigint {
  const entry = state.validators.validators.find((v) => v.address === address);
  return entry === undefined ? 0n : BigInt(entry.power);
}

/** More than 2/3 of the total power (Algorithm 1's 2f + 1), in whole numbers. */
export function isQuorum(state: ConsensusState, power: bigint): boolean {
  return 3n * power > 2n * BigInt(state.totalPower);
}

/** More than 1/3 of the total power (Algorithm 1's f + 1): at least one honest validator. */
export function isThird(state: ConsensusState, power: bigint): boolean {
  return 3n * power > BigInt(state.totalPower);
}

export function votesOf(state: ConsensusState, round: number): RoundVotes {
  return state.votes[round] ?? noVotes;
}

/** The power of `kind` votes in `round` for `hash` (`null`: nil), or for anything when `hash` is `undefined`. */
export function tally(state: ConsensusState, round: number, kind: VoteKind, hash?: string | null): bigint {
  let power = 0n;
  for (const vote of Object.values(votesOf(state, round)[kind])) {
    if (hash === undefined || vote.hash === hash) power += powerOf(state, vote.from);
  }
  return power;
}

/** The power of the validators that sent anything for `round`: votes of either kind, or its proposal. */
export function participation(state: ConsensusState, round: number): bigint {
  const senders = new Set<string>();
  const votes = votesOf(state, round);
  for (const from of Object.keys(votes.prevote)) senders.add(from);
  for (const from of Object.keys(votes.precommit)) senders.add(from);
  for (const held of Object.values(state.proposals[round] ?? {})) senders.add(held.proposal.proposer);
  let power = 0n;
  for (const from of senders) power += powerOf(state, from);
  return power;
}

/** The power of the validators that voted for `hash` in `round`, in either kind: more than a third means an honest one did. */
export function backing(state: ConsensusState, round: number, hash: string): bigint {
  const votes = votesOf(state, round);
  const senders = new Set<string>();
  for (const vote of [...Object.values(votes.prevote), ...Object.values(votes.precommit)]) if (vote.hash === hash) senders.add(vote.from);
  let power = 0n;
  for (const from of senders) power += powerOf(state, from);
  return power;
}

/** The rounds above the node's own where `from` has votes held. */
function futureRoundsOf(state: ConsensusState, from: string): number[] {
  const rounds: number[] = [];
  for (const key of Object.keys(state.votes)) {
    const round = Number(key);
    const votes = state.votes[round]!;
    if (round > state.round && (votes.prevote[from] !== undefined || votes.precommit[from] !== undefined)) rounds.push(round);
  }
  return rounds;
}

function withoutVotesOf(votes: ConsensusState['votes'], round: number, from: string): ConsensusState['votes'] {
  const { [from]: _prevote, ...prevote } = votes[round]!.prevote;
  const { [from]: _precommit, ...precommit } = votes[round]!.precommit;
  return { ...votes, [round]: { prevote, precommit } };
}

export type VoteOutcome =
  | { readonly kind: 'counted'; readonly state: ConsensusState }
  | { readonly kind: 'duplicate' | 'dropped' }
  | { readonly kind: 'equivocation'; readonly state: ConsensusState; readonly evidence: Evidence };

/**
 * Holds a vote of the current height: the first vote of each validator per (round, kind) counts;
 * the same vote again changes nothing; a different one is equivocation, reported once per
 * (validator, round, kind) and never counted. For rounds above the node's own, a validator's
 * votes are held for at most `futureRoundsMax` rounds, its highest: enough to follow a network
 * that moved on, and a bound on what one validator can make a node hold.
 */
export function storeVote(state: ConsensusState, vote: Vote): VoteOutcome {
  if (powerOf(state, vote.from) === 0n) return { kind: 'dropped' };
  const held = votesOf(state, vote.round)[vote.kind][vote.from];
  if (held !== undefined) {
    if (held.hash === vote.hash) return { kind: 'duplicate' };
    const key = `${vote.from}:${vote.round}:${vote.kind}`;
    if (state.evidenced[key] === true) return { kind: 'duplicate' };
    const [a, b] = compareVoteHashes(held.hash, vote.hash) < 0 ? [held, vote] : [vote, held];
    return { kind: 'equivocation', state: { ...state, evidenced: { ...state.evidenced, [key]: true } }, evidence: { a, b } };
  }
  let votes = state.votes;
  if (vote.round > state.round) {
    const rounds = futureRoundsOf(state, vote.from);
    if (!rounds.includes(vote.round) && rounds.length >= state.config.futureRoundsMax) {
      const lowest = Math.min(...rounds);
      if (vote.round < lowest) return { kind: 'dropped' };
      votes = withoutVotesOf(votes, lowest, vote.from);
    }
  }
  const round = votes[vote.round] ?? noVotes;
  return { kind: 'counted', state: { ...state, votes: { ...votes, [vote.round]: { ...round, [vote.kind]: { ...round[vote.kind], [vote.from]: vote } } } } };
}
