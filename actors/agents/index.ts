export { adminMachine, judgeApplicant, testRunOf, type AdminInput, type AdminOutput, type Refusal } from './adminMachine.ts';
export { applicantMachine, testTaskOf, type ApplicantInput, type ApplicantOutput } from './applicantMachine.ts';
export { agentEffects, errorText, type Application, type RequestView, type Submitted, type WorkerRun } from './agentEffectSlots.ts';
export { clientMachine, type ClientInput, type ClientOutput } from './clientMachine.ts';
export { evaluationFilesOf, evaluationOf, evaluatorMachine, type EvaluatorInput, type EvaluatorOutput } from './evaluatorMachine.ts';
export { workerMachine, type WorkerInput, type WorkerOutput } from './workerMachine.ts';
export { functionRequestOf, functionWorkerMachine, type FunctionWorkerInput, type FunctionWorkerOutput } from './functionWorkerMachine.ts';
export { proposerMachine, shouldCut, type ProposerEvent, type ProposerInput, type ProposerView } from './proposerMachine.ts';
export { validatorMachine, type ValidatorEvent, type ValidatorInput, type ValidatorView } from './validatorMachine.ts';
export {
  callRequestOf,
  functionCallMachine,
  type CallResult,
  type FunctionCall,
  type FunctionCallInput,
  type FunctionCallOutput,
} from './functionCallMachine.ts';
