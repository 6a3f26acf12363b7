export { agentEffectsFor, blobRefsIn, inputBlobFiles, inputBlobsMax, type AgentEnvironment, type JobPrograms } from './nodeAgentEffects.ts';
export { applyToJob, machineReport, startEvaluatorAgent, startWorkerAgent, type JobAgent } from './jobAgents.ts';
export { onThisMachine } from './sampleSession.ts';
export {
  runSampleSession,
  sampleEvaluatorsDefault,
  sampleJobPrograms,
  sampleReward,
  sampleWorkersDefault,
  type SampleSessionOptions,
  type SampleSessionResult,
  type SampleStep,
} from './sampleSession.ts';
export { startFunctionWorker, type FunctionWorkerAgent, type FunctionWorkerOptions } from './functionWorker.ts';
export { probeMachine, rewardWorthIt, unmetRequirement, type MachineState } from './workerPolicy.ts';
export { gpuWorkerEnvironment, startGpuWorkerAgent, type GpuProgram, type GpuRunNotes } from './gpuWorker.ts';
export { keepRunEvents, runLogEventsMax, runLogText, type RunLogLine } from './workerRunLog.ts';
export { reserveLogRoom, workerLogRoom } from './logRoom.ts';
export { startKeySharer, type KeySharer, type KeySharerOptions } from './keySharer.ts';
