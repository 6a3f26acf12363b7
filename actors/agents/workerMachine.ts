import { assign, setup } from 'xstate';
import { agentEffects, errorText } from './agentEffectSlots.ts';

export interface WorkerInput {
  readonly request: string;
  readonly input: unknown;
  /** Clock time at which the request stops taking results (its time limit); the worker gives up then. */
  readonly giveUpAtMs: number;
  readonly now: () => number;
  readonly submitTriesMax?: number;
}

interface WorkerContext extends WorkerInput {
  readonly result?: unknown;
  readonly submitted?: boolean;
  readonly tries: number;
  readonly error?: string;
}

export interface WorkerOutput {
  readonly request: string;
  readonly submitted: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

/**
 * A worker on one request (architecture paper §2.2.3): accept it, run the worker program on its
 * input in the execution runtime, submit the result, retrying a failed submit with backoff, and
 * give up cleanly at the time limit. Acts only by submitting txs.
 */
export const workerMachine = setup({
  types: { input: {} as WorkerInput, context: {} as WorkerContext, output: {} as WorkerOutput },
  actors: agentEffects,
  delays: {
    backoff: ({ context }) => Math.min(5000, 100 * 2 ** context.tries),
    untilGivingUp: ({ context }) => Math.max(0, context.giveUpAtMs - context.now()),
  },
  guards: {
    mayRetry: ({ context }) => context.tries < (context.submitTriesMax ?? 5),
  },
  actions: {
    recordError: assign({ error: ({ event }) => errorText((event as { error?: unknown }).error) }),
  },
}).createMachine({
  id: 'worker',
  context: ({ input }) => ({ ...input, tries: 0 }),
  initial: 'accepting',
  after: { untilGivingUp: { target: '.gaveUp' } },
  states: {
    accepting: {
      invoke: {
        src: 'submit',
        input: ({ context }) => ({ op: { type: 'acceptJob', request_id: context.request, role: 'worker' } }),
        onDone: 'running',
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    running: {
      invoke: {
        src: 'run',
        input: ({ context }) => ({ program: 'worker', request: context.input }),
        onDone: { target: 'submitting', actions: assign({ result: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    submitting: {
      invoke: {
        src: 'submit',
        input: ({ context }) => ({ op: { type: 'submitResult', request_id: context.request, result: context.result as never } }),
        onDone: { target: 'submitted', actions: assign({ submitted: true }) },
        onError: [
          { guard: 'mayRetry', target: 'backingOff', actions: 'recordError' },
          { target: 'failed', actions: 'recordError' },
        ],
      },
    },
    backingOff: {
      entry: assign({ tries: ({ context }) => context.tries + 1 }),
      after: { backoff: 'submitting' },
    },
    submitted: { type: 'final' },
    gaveUp: { type: 'final', entry: assign({ error: 'the time limit passed first' }) },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({
    request: context.request,
    submitted: context.submitted === true,
    ...(context.result === undefined ? {} : { result: context.result }),
    ...(context.error === undefined ? {} : { error: context.error }),
  }),
});
