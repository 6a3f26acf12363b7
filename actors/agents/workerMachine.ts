import { assign, setup } from 'xstate';
import { agentEffects, errorText, type WorkerRun } from './agentEffectSlots.ts';

export interface WorkerInput {
  readonly request: string;
  readonly input: unknown;
  /** Clock time at which the request stops taking results (its time limit); the worker gives up then. */
  readonly giveUpAtMs: number;
  readonly now: () => number;
  readonly submitTriesMax?: number;
  /** Who may read the run's log besides the worker: the request's client and evaluator. */
  readonly readers?: readonly string[];
  /** The version of the job's binaries the agent checked its program against: its result names it. */
  readonly version?: number;
  /** Its X25519 key (hex), published with its acceptJob: an encrypted input's key is sealed to it. */
  readonly boxKey?: string;
}

interface WorkerContext extends WorkerInput {
  readonly run?: WorkerRun;
  readonly result?: unknown;
  readonly submitted?: boolean;
  readonly tries: number;
  readonly error?: string;
}

export interface WorkerOutput {
  readonly request: string;
  readonly submitted: boolean;
  readonly result?: unknown;
  /** The failure of a run that gave no result: submitted in place of one. */
  readonly failure?: WorkerRun['failure'];
  /** The blob of the run's log, as submitted. */
  readonly log?: string;
  readonly logError?: string;
  readonly error?: string;
}

/** The submitResult of a run: its result, or its failure; with its log when it was kept, and the binaries' version it ran. */
function submitOp(request: string, run: WorkerRun, version: number | undefined) {
  return {
    type: 'submitResult' as const,
    request_id: request,
    ...(run.failure === undefined ? { result: run.reply as never } : { failure: run.failure }),
    ...(run.log === undefined ? {} : { log: run.log }),
    ...(version === undefined ? {} : { version }),
  };
}

/**
 * A worker on one request (architecture paper §2.2.3): accept it, run the worker program on its
 * input in the execution runtime keeping its log in Big Storage, submit the result — or, when the
 * run failed, its failure, so the client sees why and can read the log — retrying a failed submit
 * with backoff, and give up cleanly at the time limit. Acts only by submitting txs.
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
        input: ({ context }) => ({
          op: { type: 'acceptJob', request_id: context.request, role: 'worker', ...(context.boxKey === undefined ? {} : { box_key: context.boxKey }) },
        }),
        onDone: 'running',
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    running: {
      invoke: {
        src: 'runWorker',
        input: ({ context }) => ({ request: context.request, input: context.input, readers: context.readers ?? [] }),
        onDone: {
          target: 'submitting',
          actions: assign({
            run: ({ event }) => event.output,
            result: ({ event }) => event.output.reply,
            error: ({ event }) => (event.output.failure === undefined ? undefined : `${event.output.failure.code}: ${event.output.failure.message}`),
          }),
        },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    submitting: {
      invoke: {
        src: 'submit',
        input: ({ context }) => ({ op: submitOp(context.request, context.run!, context.version) }),
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
    ...(context.run?.failure === undefined ? {} : { failure: context.run.failure }),
    ...(context.run?.log === undefined ? {} : { log: context.run.log }),
    ...(context.run?.logError === undefined ? {} : { logError: context.run.logError }),
    ...(context.error === undefined ? {} : { error: context.error }),
  }),
});
