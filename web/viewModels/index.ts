export { applyChain, chainPointsMax, initialChain, type BlockPoint, type ChainEvent, type ChainState, type RestBlock } from './chain.ts';
export { applyConnection, initialConnection, type ConnectionEvent, type ConnectionState, type ConnectionStatus } from './connection.ts';
export { createFrameBatcher, type FrameBatcher, type FrameScheduler } from './frameBatcher.ts';
export {
  applyJobs,
  initialJobs,
  jobRows,
  jobStateOf,
  rewardsPaidTotal,
  type JobRow,
  type JobsEvent,
  type JobState,
  type JobsState,
  type JobSummary,
} from './jobs.ts';
export {
  applyReputation,
  initialReputation,
  reputationColumns,
  reputationRows,
  type ReputationColumn,
  type ReputationQuery,
  type ReputationRow,
  type ReputationState,
  type ReputationViewEvent,
} from './reputation.ts';
export {
  applyRequest,
  initialRequest,
  payoutTotals,
  requestSteps,
  stepsOf,
  type RequestRecord,
  type RequestState,
  type RequestStep,
  type RequestViewEvent,
  type StepReached,
  type WorkerLane,
} from './request.ts';
export {
  applyNetwork,
  initialNetwork,
  networkBlocksMax,
  networkPeersMax,
  validatorRows,
  type NetAnswer,
  type NetworkEvent,
  type NetworkState,
  type ProposedBlock,
  type ValidatorRow,
} from './network.ts';
export {
  applyNodeRatings,
  eloSeries,
  initialNodeRatings,
  nodePointsMax,
  type NodeRatingsEvent,
  type NodeRatingsState,
  type RatingPoint,
} from './nodeRatings.ts';
export { applyAccount, initialAccount, namesAccount, type AccountEscrow, type AccountState, type AccountViewEvent, type OpenRequestHold } from './account.ts';
export {
  applyTriggers,
  initialTriggers,
  triggerRows,
  triggerRowsMax,
  type TriggerRow,
  type TriggersBlock,
  type TriggersState,
  type TriggersViewEvent,
} from './triggers.ts';
export { applyHealth, healthNamesMax, initialHealth, type HealthAnswer, type HealthProblemAnswer, type HealthRow, type HealthState } from './health.ts';
