import type { Certificate, Evidence, LastSigned, Proposal, ProposalBlock, ValidatorSet, Vote, VoteKind } from '../../schemas/index.ts';
import type { ProposerSchedule } from './proposerSelection.ts';

/** Timeouts of a round grow with it: `base + round × delta` (CometBFT's rule, so slow networks get there). */
export interface ConsensusTimeouts {
  readonly proposeMs: number;
  readonly proposeDeltaMs: number;
  readonly prevoteMs: number;
  readonly prevoteDeltaMs: number;
  readonly precommitMs: number;
  readonly precommitDeltaMs: number;
  /** How often a node sends again what it holds of its round: gossip may lose any message. */
  readonly gossipMs: number;
}

export interface ConsensusConfig {
  readonly timeouts: ConsensusTimeouts;
  /** Messages held for the next height, in all. */
  readonly futureMessagesMax: number;
  /** Messages held for the next height per signer; its oldest goes first. */
  readonly futureMessagesPerSignerMax: number;
  /** Rounds above the node's own for which one validator's votes are held (its highest kept). */
  readonly futureRoundsMax: number;
}

/**
 * CometBFT's default timeouts but for the proposal's, 1.5 s instead of 3 s: it is how long the
 * others wait for a proposer that crashed, and a proposal here (a block of the mempool's txs, at
 * most 4 MiB) reaches peers and is judged in well under that. The rest are bounds on what a peer
 * can make a node hold.
 */
export const defaultConsensusConfig: ConsensusConfig = {
  timeouts: { proposeMs: 1500, proposeDeltaMs: 500, prevoteMs: 1000, prevoteDeltaMs: 500, precommitMs: 1000, precommitDeltaMs: 500, gossipMs: 1000 },
  futureMessagesMax: 1024,
  futureMessagesPerSignerMax: 8,
  futureRoundsMax: 2,
};

export type Step = 'propose' | 'prevote' | 'precommit' | 'commit';
export type TimeoutStep = 'propose' | 'prevote' | 'precommit' | 'gossip';

/** A proposal this node holds, with the runtime's verdict on its block (`null`: asked, not yet told). */
export interface HeldProposal {
  readonly proposal: Proposal;
  readonly valid: boolean | null;
}

/**
 * One round's votes: per kind, per validator, the votes held from it. The first always; a
 * conflicting one (equivocation) only for a hash a third of the power backs, so that it counts
 * where Algorithm 1 counts it, in the tally of that hash, and junk from a byzantine validator
 * is never held.
 */
export interface RoundVotes {
  readonly prevote: Readonly<Record<string, readonly Vote[]>>;
  readonly precommit: Readonly<Record<string, readonly Vote[]>>;
}

/** A message held until its height comes. */
export type FutureMessage = { readonly type: 'proposal'; readonly proposal: Proposal } | { readonly type: 'vote'; readonly vote: Vote };

/**
 * The machine's state: CometBFT's Algorithm 1 for one node (arXiv 1807.04938), plain JSON. The
 * locked value is kept as its hash (all the algorithm compares); the valid value as its block
 * (what the node proposes again).
 */
export interface ConsensusState {
  /** This node's validator address, or `null` for a node that follows without voting. */
  readonly self: string | null;
  readonly config: ConsensusConfig;
  /** 0 until `start`. */
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  readonly validators: ValidatorSet;
  readonly totalPower: string;
  readonly schedule: ProposerSchedule;
  readonly locked: { readonly hash: string; readonly round: number } | null;
  readonly valid: { readonly block: ProposalBlock; readonly round: number } | null;
  /** Per round, the proposals held by block hash (the proposer's first, and any a third of the power voted for). */
  readonly proposals: Readonly<Record<number, Readonly<Record<string, HeldProposal>>>>;
  readonly votes: Readonly<Record<number, RoundVotes>>;
  /** Algorithm 1's "for the first time" rules of the current round that have fired. */
  readonly fired: { readonly proposeTimeout: boolean; readonly prevoteTimeout: boolean; readonly polka: boolean; readonly precommitTimeout: boolean };
  readonly decided: { readonly round: number; readonly hash: string } | null;
  readonly lastSigned: LastSigned | null;
  /** `<from>:<round>:<kind>` of the equivocations reported at this height: one evidence each. */
  readonly evidenced: Readonly<Record<string, true>>;
  readonly future: readonly FutureMessage[];
}

export type ConsensusEvent =
  /**
   * Starts (or restarts) at `height` with that height's set, never contradicting `lastSigned`.
   * After a restart the runtime gives back, as `proposal` and `vote` events, what it signed at
   * this height (kept with the record): peers may have lost those messages, and only this node
   * can send them again.
   */
  | {
      readonly type: 'start';
      readonly height: number;
      readonly validators: ValidatorSet;
      readonly lastSigned?: LastSigned | null;
      /** The locked block's proposal and polka, kept with the record by the precommit that locked on it. */
      readonly locked?: LockedValue | null;
      /** The height's round timeouts, when they are not the config's (a shard's rules changed them). */
      readonly timeouts?: ConsensusTimeouts;
    }
  /**
   * A proposal whose signature the runtime checked. `valid` is its verdict on the block (height,
   * previous hash, proposer, records, roots, time); absent when it cannot judge yet (a later
   * height): the machine asks with a `check` effect once the proposal is for its height.
   */
  | { readonly type: 'proposal'; readonly proposal: Proposal; readonly valid?: boolean }
  /** A vote whose signature the runtime checked, this node's own included. */
  | { readonly type: 'vote'; readonly vote: Vote }
  | { readonly type: 'timeout'; readonly height: number; readonly round: number; readonly step: TimeoutStep }
  /**
   * Block `height` is in the log (decided here or fetched with its certificate); `validators` is
   * the next height's set, `timeouts` its round timeouts when they changed (a shard's rules).
   */
  | { readonly type: 'applied'; readonly height: number; readonly validators: ValidatorSet; readonly timeouts?: ConsensusTimeouts };

/**
 * What the machine asks of the runtime, in order. `propose` and `vote` carry the last-signed
 * record to sync to disk (with the signed message) before the signature leaves the node; a
 * signed message comes back as a `proposal` or `vote` event, and goes to peers.
 */
export type ConsensusEffect =
  /** `value: null`: build a new block; otherwise propose this block again with its `validRound`. */
  | {
      readonly type: 'propose';
      readonly height: number;
      readonly round: number;
      readonly validRound: number;
      readonly value: ProposalBlock | null;
      readonly lastSigned: LastSigned;
    }
  | {
      readonly type: 'vote';
      readonly height: number;
      readonly round: number;
      readonly kind: VoteKind;
      readonly hash: string | null;
      readonly lastSigned: LastSigned;
      /** On the precommit that locks: the block locked on, to keep with the record (see LockedValue). */
      readonly locked?: LockedValue;
    }
  /** Send a `timeout` event with these fields after `timeoutMs`. */
  | { readonly type: 'schedule'; readonly height: number; readonly round: number; readonly step: TimeoutStep; readonly timeoutMs: number }
  /** Judge this proposal's block and send it back as a `proposal` event with `valid`. */
  | { readonly type: 'check'; readonly proposal: Proposal }
  /** Block `height` is decided: append it with its certificate, then send `applied`. */
  | { readonly type: 'commit'; readonly height: number; readonly block: ProposalBlock; readonly certificate: Certificate }
  | { readonly type: 'evidence'; readonly evidence: Evidence }
  /** Send these already-signed messages to peers again. */
  | { readonly type: 'gossip'; readonly proposals: readonly Proposal[]; readonly votes: readonly Vote[] };

/**
 * What a node keeps on disk when it locks: the proposal of the locked block and the polka (2f + 1
 * prevotes of that round) it locked on. Peers lose both in a crash of every validator; without
 * them a node locked on a block it cannot show would refuse every other block, and the height
 * could never be decided. With them it resumes holding the block as its valid value, proposes it
 * again with the polka when its turn comes, and the nodes locked on it can prevote it.
 */
export interface LockedValue {
  readonly proposal: Proposal;
  readonly polka: readonly Vote[];
}

export interface ConsensusStep {
  readonly state: ConsensusState;
  readonly effects: readonly ConsensusEffect[];
}
