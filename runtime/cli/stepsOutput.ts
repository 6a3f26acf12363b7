import { createStepsView, type Step } from './stepsView.ts';

/** Where a long command reports: steps and their lines while it works, then lines and events. */
export interface StepsOutput<Id extends string> {
  step(id: Id): void;
  say(line: string): void;
  /** An event only machines read (`--json`). */
  emit(event: Record<string, unknown>): void;
  /** The steps are over; later lines print as they come. */
  end(): Promise<void>;
  fail(error: unknown): Promise<void>;
}

export interface StepsOutputOptions {
  readonly json: boolean;
  /** Draw steps in place: defaults to stdout being a terminal that can move its cursor and says how wide it is. */
  readonly steps?: boolean;
}

// A pseudo-terminal nobody sized (`script` in a pipeline) reports 0 columns: listr2 would wrap at one.
const drawsSteps = () => process.stdout.isTTY === true && process.env.TERM !== 'dumb' && (process.stdout.columns ?? 0) > 0;

const write = (line: string) => void process.stdout.write(line + '\n');

/**
 * Steps drawn in place (listr2) on a terminal, plain lines otherwise, with `--json` one NDJSON
 * event a line (`{ event: "log", message }` and whatever the command emits).
 * @example const out = createStepsOutput([{ id: 'image', title: 'Build the image' }], { json: false }); out.step('image')
 */
export function createStepsOutput<Id extends string>(stepList: readonly Step<Id>[], { json, steps = drawsSteps() }: StepsOutputOptions): StepsOutput<Id> {
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
  const view = createStepsView(stepList);
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
