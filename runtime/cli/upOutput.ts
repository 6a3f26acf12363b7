import type { SampleStep } from '../agents/index.ts';
import { createStepsView, type Step } from './stepsView.ts';

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
export interface UpOutput {
  step(id: UpStep): void;
  say(line: string): void;
  /** An event only machines read (`--json`). */
  emit(event: Record<string, unknown>): void;
  /** The steps are over; later lines print as they come. */
  end(): Promise<void>;
  fail(error: unknown): Promise<void>;
}

export interface UpOutputOptions {
  readonly json: boolean;
  /** Draw steps in place: defaults to stdout being a terminal that can move its cursor and says how wide it is. */
  readonly steps?: boolean;
}

// A pseudo-terminal nobody sized (`script` in a pipeline) reports 0 columns: listr2 would wrap at one.
const drawsSteps = () => process.stdout.isTTY === true && process.env.TERM !== 'dumb' && (process.stdout.columns ?? 0) > 0;

const write = (line: string) => void process.stdout.write(line + '\n');

/**
 * Steps drawn in place (listr2) on a terminal, plain lines otherwise, with `--json` one NDJSON
 * event a line ({ event: "log", message } and a final { event: "sample", … }).
 * @example const out = createUpOutput({ json: false }); out.step('node'); out.say('ain up: node …')
 */
export function createUpOutput({ json, steps = drawsSteps() }: UpOutputOptions): UpOutput {
  if (json) {
    return {
      step() {},
      say: (line) => write(JSON.stringify({ event: 'log', message: line.trim() })),
      emit: (event) => write(JSON.stringify(event)),
      end: async () => {},
      fail: async () => {},
    };
  }
  if (!steps) return { step() {}, say: write, emit() {}, end: async () => {}, fail: async () => {} };
  const view = createStepsView(upSteps);
  let drawing = true;
  return {
    step: (id) => view.step(id),
    say: (line) => (drawing ? view.say(line.trim()) : write(line)),
    emit() {},
    async end() {
      drawing = false;
      await view.finish();
    },
    async fail(error) {
      drawing = false;
      await view.fail(error);
    },
  };
}
