import { assign, fromPromise, setup } from 'xstate';
import type { Op } from '../../schemas/index.ts';
import { agentEffects, errorText, type Submitted } from './agentEffectSlots.ts';

/** One HTTP call of a function, as its worker took it from a node (runtime/api/invocations.ts). */
export interface FunctionCall {
  readonly id: string;
  readonly functionId: string;
  readonly function: { readonly runtime: string; readonly code: string; readonly owner?: string };
  readonly functionPath: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly input: unknown;
  readonly caller: string | null;
  readonly height: number;
}

/** What a function's program returns for a call: its output for the caller, and state ops its worker submits. */
export interface CallResult {
  readonly output: unknown;
  readonly ops: readonly Op[];
}

export interface FunctionCallInput {
  readonly call: FunctionCall;
}

interface FunctionCallContext extends FunctionCallInput {
  readonly code?: string;
  readonly result?: CallResult;
  readonly answered?: boolean;
  readonly submitted?: Submitted;
  readonly error?: string;
  readonly errorCode?: string;
}

export interface FunctionCallOutput {
  readonly call: string;
  readonly answered: boolean;
  readonly submitted?: Submitted;
  readonly error?: string;
}

/** What a function's program is given on stdin for an HTTP call (`kind: "call"`; a trigger's has `before` and `after` instead). */
export function callRequestOf(call: FunctionCall): Record<string, unknown> {
  const { path, functionPath, params, functionId, input, caller, height } = call;
  return { kind: 'call', path, functionPath, params, functionId, input, caller, height };
}

const notProvided = (name: string) => () => Promise.reject(new Error(`the function worker's ${name} effect was not provided; runtime/agents provides it`));

/**
 * A function worker on one HTTP call (the serverless draft's functions on "HTTP endpoint calls"):
 * fetch the function's code from Big Storage by its content hash, run it on the call, answer the
 * caller with its output (or its failure, so the caller is not left waiting), then submit the
 * state ops it returned as one tx, signed by the worker's key.
 */
export const functionCallMachine = setup({
  types: { input: {} as FunctionCallInput, context: {} as FunctionCallContext, output: {} as FunctionCallOutput },
  actors: {
    submit: agentEffects.submit,
    fetchCode: fromPromise<string, { readonly ref: string }>(notProvided('fetchCode')),
    /** Runs the code on the call; resolves with its output and ops. */
    runCall: fromPromise<CallResult, { readonly code: string; readonly runtime: string; readonly request: unknown }>(notProvided('runCall')),
    /** Posts the answer to the node the call came from. */
    answer: fromPromise<void, { readonly call: string; readonly answer: { output: unknown } | { error: { code: string; message: string } } }>(
      notProvided('answer'),
    ),
  },
  actions: {
    recordError: assign(({ event }) => {
      const error = (event as { error?: unknown }).error;
      const code = (error as { code?: unknown } | undefined)?.code;
      return { error: errorText(error), errorCode: typeof code === 'string' ? code : 'RUN_FAILED' };
    }),
  },
}).createMachine({
  id: 'functionCall',
  context: ({ input }) => ({ ...input }),
  initial: 'fetching',
  states: {
    fetching: {
      invoke: {
        src: 'fetchCode',
        input: ({ context }) => ({ ref: context.call.function.code }),
        onDone: { target: 'running', actions: assign({ code: ({ event }) => event.output }) },
        onError: { target: 'answeringFailure', actions: 'recordError' },
      },
    },
    running: {
      invoke: {
        src: 'runCall',
        input: ({ context }) => ({ code: context.code!, runtime: context.call.function.runtime, request: callRequestOf(context.call) }),
        onDone: { target: 'answering', actions: assign({ result: ({ event }) => event.output }) },
        onError: { target: 'answeringFailure', actions: 'recordError' },
      },
    },
    answering: {
      invoke: {
        src: 'answer',
        input: ({ context }) => ({ call: context.call.id, answer: { output: context.result!.output } }),
        onDone: { target: 'submitting', actions: assign({ answered: true }) },
        // The caller's wait ended (timed out); what the function writes still goes to the chain.
        onError: { target: 'submitting', actions: 'recordError' },
      },
    },
    submitting: {
      always: { guard: ({ context }) => context.result!.ops.length === 0, target: 'done' },
      invoke: {
        src: 'submit',
        input: ({ context }) => {
          const ops = context.result!.ops;
          return { op: ops.length === 1 ? ops[0]! : ({ type: 'set', ops: [...ops] } as Op) };
        },
        onDone: { target: 'done', actions: assign({ submitted: ({ event }) => event.output }) },
        onError: { target: 'done', actions: 'recordError' },
      },
    },
    answeringFailure: {
      invoke: {
        src: 'answer',
        input: ({ context }) => ({
          call: context.call.id,
          answer: { error: { code: context.errorCode ?? 'RUN_FAILED', message: (context.error ?? '').slice(0, 2048) } },
        }),
        onDone: 'failed',
        onError: 'failed',
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({
    call: context.call.id,
    answered: context.answered === true,
    ...(context.submitted === undefined ? {} : { submitted: context.submitted }),
    ...(context.error === undefined ? {} : { error: context.error }),
  }),
});
