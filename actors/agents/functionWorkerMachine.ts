import { assign, fromPromise, setup } from 'xstate';
import type { FiredTrigger } from '../../projections/index.ts';
import type { Op } from '../../schemas/index.ts';
import { agentEffects, errorText, type Submitted } from './agentEffectSlots.ts';

export interface FunctionWorkerInput {
  readonly trigger: FiredTrigger;
}

interface FunctionWorkerContext extends FunctionWorkerInput {
  readonly code?: string;
  readonly ops?: readonly Op[];
  readonly submitted?: Submitted;
  readonly error?: string;
}

export interface FunctionWorkerOutput {
  readonly trigger: FiredTrigger;
  readonly submitted?: Submitted;
  readonly error?: string;
}

/** What a function's program is given on stdin: the write that fired it. */
export function functionRequestOf(trigger: FiredTrigger): Record<string, unknown> {
  const { path, functionPath, params, functionId, before, after, auth, height, time } = trigger;
  return { path, functionPath, params, functionId, before, after, auth, height, time };
}

const notProvided = (name: string) => () => Promise.reject(new Error(`the function worker's ${name} effect was not provided; runtime/agents provides it`));

/**
 * A function worker on one fired trigger (the serverless draft's request → result): fetch the
 * function's code from Big Storage by its content hash, run it in the execution runtime on the
 * write that fired it, and submit the ops it returns as one tx (a `set` when there are several).
 */
export const functionWorkerMachine = setup({
  types: { input: {} as FunctionWorkerInput, context: {} as FunctionWorkerContext, output: {} as FunctionWorkerOutput },
  actors: {
    submit: agentEffects.submit,
    /** The code behind a `blob://sha256:…` reference, checked against its hash. */
    fetchCode: fromPromise<string, { readonly ref: string }>(notProvided('fetchCode')),
    /** Runs the code on the request; resolves with the ops it returns. */
    runFunction: fromPromise<readonly Op[], { readonly code: string; readonly request: unknown }>(notProvided('runFunction')),
  },
  actions: {
    recordError: assign({ error: ({ event }) => errorText((event as { error?: unknown }).error) }),
  },
}).createMachine({
  id: 'functionWorker',
  context: ({ input }) => ({ ...input }),
  initial: 'fetching',
  states: {
    fetching: {
      invoke: {
        src: 'fetchCode',
        input: ({ context }) => ({ ref: context.trigger.function.code }),
        onDone: { target: 'running', actions: assign({ code: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    running: {
      invoke: {
        src: 'runFunction',
        input: ({ context }) => ({ code: context.code!, request: functionRequestOf(context.trigger) }),
        onDone: { target: 'submitting', actions: assign({ ops: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    submitting: {
      always: { guard: ({ context }) => (context.ops ?? []).length === 0, target: 'done' },
      invoke: {
        src: 'submit',
        input: ({ context }) => ({ op: context.ops!.length === 1 ? context.ops![0]! : ({ type: 'set', ops: [...context.ops!] } as Op) }),
        onDone: { target: 'done', actions: assign({ submitted: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({
    trigger: context.trigger,
    ...(context.submitted === undefined ? {} : { submitted: context.submitted }),
    ...(context.error === undefined ? {} : { error: context.error }),
  }),
});
