export type { ExecutionRuntime, RunHandle, RunOptions } from './executionRuntime.ts';
export { createProcessRuntime, type ProcessRuntimeInit } from './processRuntime.ts';
export { compileJobRpc, parseJobSchema, type JobRpc, type JobSchema } from './jobSchema.ts';
export { checkMessage, type MessageProblem } from './checkMessage.ts';
export { createDockerRuntime, jobContainerLabel, type DockerRuntimeInit } from './dockerRuntime.ts';
export { createJobImages, ensureJobBaseImage, imageNodePath, type JobImages } from './jobImage.ts';
export { followImageProgress, hashEntries, imageExists, libraryEntries } from './imageBuild.ts';
export { tarStream, type TarEntry } from './tarStream.ts';
