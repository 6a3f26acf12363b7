export { defaultRunLimits, JobFilePath, JobSchemaRef, RunLimits, RunSpec, type RunSpecInput } from './runSpec.ts';
export { RunErrorCode, RunEvent, RunResult, RunUsage, runErrorCodes } from './runResult.ts';
