/**
 * actors/consensus: Tendermint consensus (CometBFT's Algorithm 1) as a pure step and an XState
 * machine, CometBFT's proposer selection, and the rule that keeps a validator from signing twice.
 */
export {
  incrementProposerPriority,
  nextValidatorSet,
  proposerOf,
  proposerScheduleOf,
  validatorSetOf,
  type PowerChange,
  type ProposerSchedule,
} from './proposerSelection.ts';
