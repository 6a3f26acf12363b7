export { accountCommitments, commitmentsMax, type AccountCommitments, type OpenCommitment } from './accountCommitments.ts';
export { applyJobDeadlines, applyJobOp, jobWindowsOf } from './applyJobOp.ts';
export { countEligibleAdmins, evaluatorBranchOf, isInBranch, type EvaluatorBranch } from './adminBranch.ts';
export {
  defaultBlindWindowMs,
  defaultChallengeStrikes,
  jobMachine,
  workersPerRequestMax,
  type BlindChallenge,
  type JobContext,
  type JobMachineEvent,
  type JobState,
  type JobWindows,
  type RefundReason,
  type RewardFunction,
} from './jobMachine.ts';
export { defaultJobWindows, readJobSchema, type JobOpContext, type JobOpResult, type JobSchemaRecord } from './jobSchemaRecord.ts';
export { jobPaths, nextDeadline, startMachine, stepMachine, type Persisted } from './jobStore.ts';
export { nodeMachine, type NodeContext, type NodeRole, type NodeState } from './nodeMachine.ts';
export { isApproved, readNode, type PersistedNode } from './nodeOps.ts';
export { parentAdminOf, readRequest, type PersistedRequest } from './requestOps.ts';
export { bestWorkerShare, escrowOf, workerShares, type RewardTerms } from './settle.ts';
export { applyPublishBinaries, binaryVersions, readBinaries } from './binariesOps.ts';
export { applyAcceptReservation, applyReserveWorker, readReservation, type WorkerReservation } from './reservationOps.ts';
export { applyRevealTestData, readTestData, type RequestTestData } from './testDataOps.ts';
export { requestBandwidthPool } from './requestBandwidth.ts';
