import {
  decideConsensus,
  initialConsensusState,
  validatorSetOf,
  type ConsensusConfig,
  type ConsensusEffect,
  type ConsensusEvent,
  type ConsensusState,
} from '../../../actors/index.ts';
import type { Proposal, ProposalBlock, ValidatorSet, Vote, VoteKind } from '../../../schemas/index.ts';

// Builders for consensus unit tests and the simulation: addresses, unsigned-but-well-formed
// messages (the machine trusts the runtime to have checked signatures), and a driver that
// folds events and gathers effects.

/** The address of validator `i` (1-based): `0x00…0i`, so address order is index order. */
export const addressOf = (i: number) => '0x' + i.toString(16).padStart(40, '0');
export const fakePub = 'ab'.repeat(32);
export const fakeSig = 'cd'.repeat(64);
/** A block hash made from a label: 64 hex characters. */
export const hashOf = (label: string | number) => Buffer.from(String(label).padEnd(32, '.').slice(0, 32)).toString('hex');
export const blockOf = (label: string | number): ProposalBlock => ({ hash: hashOf(label), label: String(label) });

export const setOf = (powers: readonly number[]): ValidatorSet => validatorSetOf(powers.map((p, i) => ({ address: addressOf(i + 1), power: String(p) })));

export const testConfig: ConsensusConfig = {
  timeouts: { proposeMs: 400, proposeDeltaMs: 200, prevoteMs: 200, prevoteDeltaMs: 100, precommitMs: 200, precommitDeltaMs: 100, gossipMs: 300 },
  futureMessagesMax: 64,
  futureMessagesPerSignerMax: 4,
  futureRoundsMax: 2,
};

export function voteOf(from: string, height: number, round: number, kind: VoteKind, hash: string | null): Vote {
  return { chain: 'ain-test', shard: '/', height, round, kind, hash, from, pub: fakePub, sig: fakeSig };
}

export function proposalOf(proposer: string, height: number, round: number, block: ProposalBlock, validRound = -1): Proposal {
  return { chain: 'ain-test', shard: '/', height, round, validRound, block, proposer, pub: fakePub, sig: fakeSig };
}

/** A node folding events by hand; `effects` gathers what it asked for since the last `take`. */
export class Driver {
  state: ConsensusState;
  effects: ConsensusEffect[] = [];

  constructor(self: string | null, config: ConsensusConfig = testConfig) {
    this.state = initialConsensusState({ self, config });
  }

  send(...events: ConsensusEvent[]): this {
    for (const event of events) {
      const step = decideConsensus(this.state, event);
      this.state = step.state;
      this.effects.push(...step.effects);
    }
    return this;
  }

  /** The effects gathered so far, cleared. */
  take(): ConsensusEffect[] {
    const effects = this.effects;
    this.effects = [];
    return effects;
  }

  /** The gathered effects of one type. */
  of<T extends ConsensusEffect['type']>(type: T): Extract<ConsensusEffect, { type: T }>[] {
    return this.effects.filter((e): e is Extract<ConsensusEffect, { type: T }> => e.type === type);
  }
}
