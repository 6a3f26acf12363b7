import type { SampleStep } from '../agents/index.ts';
import { createStepsOutput, type StepsOutput, type StepsOutputOptions } from './stepsOutput.ts';
import type { Step } from './stepsView.ts';

/** What `ain up` goes through: its own steps, then the sample session's. */
export type UpStep = 'node' | 'demo' | 'runtime' | SampleStep;

const upSteps: readonly Step<UpStep>[] = [
  { id: 'node', title: 'Start the nodes' },
  { id: 'demo', title: "A client's first txs" },
  { id: 'runtime', title: 'Choose where the programs run' },
  { id: 'fund', title: 'Fund the agents' },
  { id: 'register', title: 'registerJob' },
  { id: 'approve', title: 'Approve the applicants' },
  { id: 'warm', title: 'Warm the programs' },
  { id: 'request', title: 'requestJob' },
  { id: 'run', title: 'Workers run, the evaluator ranks' },
  { id: 'accept', title: 'acceptResult' },
  { id: 'settle', title: 'Settle' },
];

/** Where `ain up` reports: steps and their lines while it sets up, then lines and events. */
export type UpOutput = StepsOutput<UpStep>;
export type UpOutputOptions = StepsOutputOptions;

/**
 * `ain up`'s steps drawn in place (listr2) on a terminal, plain lines otherwise, with `--json`
 * one NDJSON event a line ({ event: "log", message } and a final { event: "sample", … }).
 * @example const out = createUpOutput({ json: false }); out.step('node'); out.say('ain up: node …')
 */
export function createUpOutput(options: UpOutputOptions): UpOutput {
  return createStepsOutput(upSteps, options);
}
