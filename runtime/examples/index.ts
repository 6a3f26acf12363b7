export { connectExampleNetwork, startExampleNode, type ExampleNetworkHandle } from './exampleNode.ts';
export { examplePrograms, type ProgramRpc } from './examplePrograms.ts';
export { startExampleJob, type ExampleJob, type ExampleNetwork, type ExampleRequest } from './exampleJob.ts';
export type { Example, ExampleQuality, ExampleReport, ExampleRunOptions } from './exampleReport.ts';
export { examples, exampleNamed } from './examples.ts';
export { monteCarlo, monteCarloBatches, monteCarloErrorMax, monteCarloSamplesPerBatch } from './monteCarlo.ts';
export { loss, lossHeldOutMax } from './loss.ts';
export { dataParallel, dataParallelLossMax, dataParallelRounds } from './dataParallel.ts';
export { nim, nimRounds, nimTestGames, nimWinRateMin } from './nim.ts';
