import { Listr, type ListrTaskWrapper } from 'listr2';

/** One step a long command goes through, as a terminal shows it. */
export interface Step<Id extends string> {
  readonly id: Id;
  readonly title: string;
}

/** Steps drawn in place on a terminal (listr2), driven by events rather than by functions it runs. */
export interface StepsView<Id extends string> {
  /** A step begins; the one before it is done, and any between them are skipped. */
  step(id: Id): void;
  /** A line of detail under the current step (kept once it is done). */
  say(line: string): void;
  /** The current step is done and the steps not reached are skipped; resolves once drawn. */
  finish(): Promise<void>;
  /** The current step failed with the error; resolves once drawn. */
  fail(error: unknown): Promise<void>;
}

interface StepState {
  readonly started: Deferred<'run' | 'skip'>;
  readonly ended: Deferred<void>;
  readonly lines: string[];
  task?: ListrTaskWrapper<unknown, never, never>;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {}); // a step that fails is reported by the view and by whoever called fail()
  return { promise, resolve, reject };
}

/**
 * Draws `steps` with a spinner, then a tick, cross or skip mark each, and their detail lines,
 * on a terminal; the caller decides that stdout is one.
 * @example const view = createStepsView([{ id: 'node', title: 'Start a node' }]); view.step('node'); await view.finish()
 */
export function createStepsView<Id extends string>(steps: readonly Step<Id>[]): StepsView<Id> {
  if (steps.length === 0) throw new Error('a steps view needs at least one step');
  const states: StepState[] = steps.map(() => ({ started: deferred(), ended: deferred(), lines: [] }));
  let current = -1;
  let over = false;

  const list = new Listr(
    steps.map(({ title }, i) => ({
      title,
      rendererOptions: { outputBar: Infinity, persistentOutput: true },
      task: async (_context: unknown, task: ListrTaskWrapper<unknown, never, never>) => {
        const state = states[i]!;
        if ((await state.started.promise) === 'skip') return task.skip();
        state.task = task;
        for (const line of state.lines) task.output = line;
        await state.ended.promise;
      },
    })),
    // The caller has checked for a terminal; CI=true alone should not swap in the line renderer.
    // Ctrl-C is ours (below): listr2's own handler would exit 127.
    {
      renderer: 'default',
      fallbackRendererCondition: false,
      exitOnError: true,
      registerSignalListeners: false,
      rendererOptions: { collapseErrors: false, removeEmptyLines: false },
    },
  );
  const drawn = list.run().then(
    () => {},
    () => {},
  );
  // Ctrl-C: draw the step as interrupted (and the cursor back), then end as the signal ends a command.
  const interrupted = () => void view.fail(new Error('interrupted')).then(() => process.kill(process.pid, 'SIGINT'));
  process.on('SIGINT', interrupted);
  void drawn.then(() => process.off('SIGINT', interrupted));

  const advanceTo = (next: number) => {
    if (current >= 0) states[current]!.ended.resolve();
    for (let i = current + 1; i < next; i++) states[i]!.started.resolve('skip');
    current = next;
    if (next < states.length) states[next]!.started.resolve('run');
  };

  const view: StepsView<Id> = {
    step(id) {
      const next = steps.findIndex((s) => s.id === id);
      if (next === -1) throw new Error(`"${id}" is not a step of this view`);
      // Steps only go forward; a repeated or late report of a step changes nothing.
      if (over || next <= current) return;
      advanceTo(next);
    },
    say(line) {
      if (over || current === -1) return;
      const state = states[current]!;
      state.lines.push(line);
      if (state.task !== undefined) state.task.output = line;
    },
    async finish() {
      if (!over) {
        over = true;
        advanceTo(steps.length);
      }
      await drawn;
    },
    async fail(error) {
      if (!over) {
        over = true;
        if (current === -1) advanceTo(0);
        states[current]!.ended.reject(error);
      }
      await drawn;
    },
  };
  return view;
}
