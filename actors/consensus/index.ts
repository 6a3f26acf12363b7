/**
 * actors/consensus: Tendermint consensus (CometBFT's Algorithm 1) as a pure step and an XState
 * machine, CometBFT's proposer selection, and the rule that keeps a validator from signing twice.
 */
export { consensusMachine, type ConsensusInput } from './consensusMachine.ts';
export {
  defaultConsensusConfig,
  type ConsensusConfig,
  type ConsensusEffect,
  type ConsensusEvent,
  type ConsensusState,
  type ConsensusStep,
  type ConsensusTimeouts,
  type HeldProposal,
  type LockedValue,
  type Step,
  type TimeoutStep,
} from './consensusTypes.ts';
export { decideConsensus, initialConsensusState } from './decideConsensus.ts';
export {
  incrementProposerPriority,
  nextValidatorSet,
  proposerOf,
  proposerScheduleOf,
  validatorSetOf,
  type PowerChange,
  type ProposerSchedule,
} from './proposerSelection.ts';
export { maySign, signingOrder } from './signing.ts';
export { decidedElsewhere, heardPower, holdsLiveProposal, reachedPower, roundReport, type RoundReport } from './voteBook.ts';
