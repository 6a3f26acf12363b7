import { compareVoteHashes, type Evidence, type Vote, type VoteKind } from '../../schemas/index.ts';
import type { ConsensusState, RoundVotes } from './consensusTypes.ts';

const noVotes: RoundVotes = { prevote: {}, precommit: {} };

/** Votes held per validator, round and kind: its first and at most this many conflicting ones. */
const conflictingMax = 2;

/** Each set's powers by address, made once per set (a set never changes): a tally looks up every voter. */
const powersOf = new WeakMap<ConsensusState['validators'], ReadonlyMap<string, bigint>>();

/** A validator's voting power at this height; 0 for anyone else. */
export function powerOf(state: ConsensusState, address: string): bigint {
  let powers = powersOf.get(state.validators);
  if (powers === undefined) {
    powers = new Map(state.validators.validators.map((v) => [v.address, BigInt(v.power)]));
    powersOf.set(state.validators, powers);
  }
  return powers.get(address) ?? 0n;
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

function powerOfAll(state: ConsensusState, validators: Iterable<string>): bigint {
  let power = 0n;
  for (const from of validators) power += powerOf(state, from);
  return power;
}

/**
 * The power of the validators with a `kind` vote in `round` for `hash` (`null`: nil), or with any
 * when `hash` is `undefined`. Each validator counts once per tally; an equivocator may count in
 * two tallies, as in Algorithm 1, which counts messages (two quorums still share an honest
 * validator, so safety holds).
 */
export function tally(state: ConsensusState, round: number, kind: VoteKind, hash?: string | null): bigint {
  const held = votesOf(state, round)[kind];
  const voters = Object.keys(held).filter((from) => hash === undefined || held[from]!.some((v) => v.hash === hash));
  return powerOfAll(state, voters);
}

/** One `kind` vote for `hash` per validator in `round`, in ascending order of address. */
export function votesFor(state: ConsensusState, round: number, kind: VoteKind, hash: string | null): Vote[] {
  const held = votesOf(state, round)[kind];
  return Object.keys(held)
    .sort()
    .flatMap((from) => held[from]!.filter((v) => v.hash === hash).slice(0, 1));
}

/** Every vote held for `round`. */
export function allVotesOf(state: ConsensusState, round: number): Vote[] {
  const { prevote, precommit } = votesOf(state, round);
  return [...Object.values(prevote).flat(), ...Object.values(precommit).flat()];
}

/** The power of the validators that sent anything for `round`: votes of either kind, or its proposal. */
export function participation(state: ConsensusState, round: number): bigint {
  const votes = votesOf(state, round);
  const senders = new Set([...Object.keys(votes.prevote), ...Object.keys(votes.precommit)]);
  for (const held of Object.values(state.proposals[round] ?? {})) senders.add(held.proposal.proposer);
  return powerOfAll(state, senders);
}

/** The power of the validators that voted for `hash` in `round`, in either kind: more than a third means an honest one did. */
export function backing(state: ConsensusState, round: number, hash: string | null): bigint {
  const senders = new Set(allVotesOf(state, round).flatMap((v) => (v.hash === hash ? [v.from] : [])));
  return powerOfAll(state, senders);
}

/** The rounds above the node's own where `from` has votes held. */
function futureRoundsOf(state: ConsensusState, from: string): number[] {
  return Object.keys(state.votes)
    .map(Number)
    .filter((round) => round > state.round && (state.votes[round]!.prevote[from] !== undefined || state.votes[round]!.precommit[from] !== undefined));
}

function withoutVotesOf(votes: ConsensusState['votes'], round: number, from: string): ConsensusState['votes'] {
  const { [from]: _prevote, ...prevote } = votes[round]!.prevote;
  const { [from]: _precommit, ...precommit } = votes[round]!.precommit;
  return { ...votes, [round]: { prevote, precommit } };
}

function withVote(votes: ConsensusState['votes'], vote: Vote): ConsensusState['votes'] {
  const round = votes[vote.round] ?? noVotes;
  const held = round[vote.kind][vote.from] ?? [];
  return { ...votes, [vote.round]: { ...round, [vote.kind]: { ...round[vote.kind], [vote.from]: [...held, vote] } } };
}

export type VoteOutcome =
  | { readonly kind: 'counted'; readonly state: ConsensusState; readonly evidence?: Evidence }
  | { readonly kind: 'duplicate' | 'dropped'; readonly evidence?: Evidence };

/**
 * Holds a vote of the current height. The same vote again changes nothing. A second vote of a
 * validator for one (round, kind) with another hash is equivocation: reported once as evidence,
 * and held only if a third of the power backs its hash (then an honest validator voted so too,
 * and a polka or commit the network saw may rest on it). For rounds above the node's own, a
 * validator's votes are held for at most `futureRoundsMax` rounds, its highest: enough to follow a
 * network that moved on, and a bound on what one validator can make a node hold.
 */
export function storeVote(state: ConsensusState, vote: Vote): VoteOutcome {
  if (powerOf(state, vote.from) === 0n) return { kind: 'dropped' };
  const held = votesOf(state, vote.round)[vote.kind][vote.from] ?? [];
  if (held.some((v) => v.hash === vote.hash)) return { kind: 'duplicate' };
  if (held.length > 0) {
    const key = `${vote.from}:${vote.round}:${vote.kind}`;
    const first = held[0]!;
    const [a, b] = compareVoteHashes(first.hash, vote.hash) < 0 ? [first, vote] : [vote, first];
    const evidence = state.evidenced[key] === true ? undefined : { a, b };
    const reported = evidence === undefined ? state : { ...state, evidenced: { ...state.evidenced, [key]: true as const } };
    if (held.length > conflictingMax || !isThird(state, backing(state, vote.round, vote.hash))) {
      return evidence === undefined ? { kind: 'dropped' } : { kind: 'counted', state: reported, evidence };
    }
    return { kind: 'counted', state: { ...reported, votes: withVote(state.votes, vote) }, evidence };
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
  return { kind: 'counted', state: { ...state, votes: withVote(votes, vote) } };
}

/** What a node saw of one round: the proposer, its proposal and the verdict on it, and the votes by what they were for. */
export interface RoundReport {
  readonly height: number;
  readonly round: number;
  /** The step the node had reached in it. */
  readonly step: ConsensusState['step'];
  readonly proposer: string | undefined;
  /** `none`: no proposal of the round arrived; `judging`: it arrived, its check not done. */
  readonly proposal: 'none' | 'judging' | 'valid' | 'invalid';
  /** Voting power per block hash (its first 12 hex digits) or `nil`. */
  readonly prevotes: Readonly<Record<string, string>>;
  readonly precommits: Readonly<Record<string, string>>;
  /** Validators from which no prevote of the round arrived. */
  readonly noPrevote: readonly string[];
}

function powerByHash(state: ConsensusState, round: number, kind: VoteKind): Record<string, string> {
  const power = new Map<string, bigint>();
  for (const [from, votes] of Object.entries(votesOf(state, round)[kind]))
    for (const hash of new Set(votes.map((v) => v.hash))) {
      const key = hash === null ? 'nil' : hash.replace(/^0x/, '').slice(0, 12);
      power.set(key, (power.get(key) ?? 0n) + powerOf(state, from));
    }
  return Object.fromEntries([...power].map(([hash, p]) => [hash, p.toString()]));
}

/**
 * What the node saw of `round` at its height (a log line's fields when the round ends
 * undecided: which step waited for what).
 * @example roundReport(state, state.round).proposal // 'none': the proposer's block never came
 */
export function roundReport(state: ConsensusState, round: number): RoundReport {
  const held = Object.values(state.proposals[round] ?? {});
  const proposal = held.length === 0 ? 'none' : held.some((p) => p.valid === true) ? 'valid' : held.some((p) => p.valid === null) ? 'judging' : 'invalid';
  const prevoted = votesOf(state, round).prevote;
  return {
    height: state.height,
    round,
    step: state.step,
    proposer: state.schedule.proposers[round],
    proposal,
    prevotes: powerByHash(state, round, 'prevote'),
    precommits: powerByHash(state, round, 'precommit'),
    noPrevote: state.validators.validators.filter((v) => prevoted[v.address] === undefined).map((v) => v.address),
  };
}

/**
 * The power of the validators this node holds a vote of at its height (any round, either kind,
 * its own included), the set's total, and the validators it holds none of: with no more than 2/3
 * of it heard from, no block can be decided, whatever the rounds do (the others are down, or cut
 * off from this node).
 * @example const { heard, total } = heardPower(state); if (3n * heard <= 2n * total) logger.warn('no quorum in reach')
 */
export function heardPower(state: ConsensusState): { readonly heard: bigint; readonly total: bigint; readonly unheard: readonly string[] } {
  const from = new Set<string>();
  for (const { prevote, precommit } of Object.values(state.votes))
    for (const address of [...Object.keys(prevote), ...Object.keys(precommit)]) from.add(address);
  const all = state.validators.validators.map((v) => v.address);
  return { heard: powerOfAll(state, from), total: powerOfAll(state, all), unheard: all.filter((address) => !from.has(address)) };
}

/**
 * The power of the validators in `reached` (this node, and those it had a message from lately),
 * the set's total, and the validators not reached: what a stalled height can count on now, where
 * heardPower counts whoever voted at it, though it may have died since.
 * @example const { heard, total, unheard } = reachedPower(state, new Set([self, ...recentSigners]))
 */
export function reachedPower(
  state: ConsensusState,
  reached: ReadonlySet<string>,
): { readonly heard: bigint; readonly total: bigint; readonly unheard: readonly string[] } {
  const all = state.validators.validators.map((v) => v.address);
  return {
    heard: powerOfAll(
      state,
      all.filter((address) => reached.has(address)),
    ),
    total: powerOfAll(state, all),
    unheard: all.filter((address) => !reached.has(address)),
  };
}

/**
 * A block more than 2/3 of the power precommitted at this height whose proposal the node lacks,
 * or judged invalid (e.g. records it could not get): the others decided it, and this node cannot
 * on its own; the runtime fetches the decided block. Null otherwise (a proposal still being
 * judged decides once judged).
 * @example const missing = decidedElsewhere(state); if (missing !== null) fetchDecided(state.height)
 */
export function decidedElsewhere(state: ConsensusState): { readonly round: number; readonly hash: string } | null {
  if (state.height === 0 || state.step === 'commit') return null;
  for (const [key, { precommit }] of Object.entries(state.votes)) {
    const round = Number(key);
    const hashes = new Set(Object.values(precommit).flatMap((votes) => votes.map((v) => v.hash)));
    for (const hash of hashes) {
      if (hash === null) continue;
      const held = state.proposals[round]?.[hash];
      if (held !== undefined && held.valid !== false) continue;
      if (isQuorum(state, tally(state, round, 'precommit', hash))) return { round, hash };
    }
  }
  return null;
}

/** Whether the node holds a proposal of its height it has not refused: with one, it may decide the height itself. */
export function holdsLiveProposal(state: ConsensusState): boolean {
  return Object.values(state.proposals).some((round) => Object.values(round).some((held) => held.valid !== false));
}
