import { assign, setup } from 'xstate';
import { agentEffects, errorText, type RequestView } from './agentEffectSlots.ts';

export interface EvaluatorInput {
  readonly request: string;
  /** AIN it locks; must exceed the job's challenge fee. */
  readonly deposit: string;
  /** How long it waits, past the time limit, for the client to reveal test data the request committed to (default 20 s); then it ranks without. */
  readonly testDataWaitMs?: number;
  /** Its X25519 key (hex), published with its acceptJob: an encrypted input's key is sealed to it. */
  readonly boxKey?: string;
}

/** The committed test data is not out yet. */
const awaitsTestData = (view: RequestView | undefined): boolean => view?.testData?.commitment !== undefined && view.testData.revealedAt === undefined;

/** What the evaluator program finds beside it: the revealed test data as `test_data.json`. */
export function evaluationFilesOf(view: RequestView): Record<string, string> | undefined {
  return view.testData?.revealedAt === undefined ? undefined : { 'test_data.json': JSON.stringify(view.testData.revealed ?? null) };
}

interface EvaluatorContext extends EvaluatorInput {
  readonly view?: RequestView;
  readonly ranking?: readonly string[];
  readonly error?: string;
}

export interface EvaluatorOutput {
  readonly request: string;
  readonly ranking?: readonly string[];
  readonly error?: string;
}

/** The evaluator program's input: the request and each worker's reply (the sample's `Evaluation`). */
export function evaluationOf(view: RequestView): { request: unknown; workers: { node: string; response: unknown }[] } {
  return { request: view.input, workers: Object.entries(view.results).map(([node, response]) => ({ node, response })) };
}

/**
 * An evaluator on one request: accept it with a deposit, wait until block time passes its limit,
 * run the evaluator program over the workers' results, and submit the ranking (only workers that
 * submitted, each once: what the program returns is filtered to that before it is sent).
 */
export const evaluatorMachine = setup({
  types: { input: {} as EvaluatorInput, context: {} as EvaluatorContext, output: {} as EvaluatorOutput },
  actors: agentEffects,
  actions: {
    recordError: assign({ error: ({ event }) => errorText((event as { error?: unknown }).error) }),
  },
  guards: {
    toRank: ({ event }) => (event as unknown as { output: RequestView }).output.state === 'ranking',
  },
}).createMachine({
  id: 'evaluator',
  context: ({ input }) => ({ ...input }),
  initial: 'accepting',
  states: {
    accepting: {
      invoke: {
        src: 'submit',
        input: ({ context }) => ({
          op: {
            type: 'acceptJob',
            request_id: context.request,
            role: 'evaluator',
            deposit: context.deposit,
            ...(context.boxKey === undefined ? {} : { box_key: context.boxKey }),
          },
        }),
        onDone: 'waiting',
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    waiting: {
      invoke: {
        src: 'untilState',
        input: ({ context }) => ({ request: context.request, states: ['ranking', 'refunded', 'settled'] }),
        onDone: [
          {
            guard: ({ event }) => event.output.state === 'ranking' && awaitsTestData(event.output),
            target: 'awaitingTestData',
            actions: assign({ view: ({ event }) => event.output }),
          },
          { guard: 'toRank', target: 'evaluating', actions: assign({ view: ({ event }) => event.output }) },
          { target: 'done' },
        ],
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    // The paper: "the test set must be revealed after all the workers return their results".
    awaitingTestData: {
      invoke: {
        src: 'untilRevealed',
        input: ({ context }) => ({ request: context.request, waitMs: context.testDataWaitMs ?? 20_000 }),
        onDone: { target: 'evaluating', actions: assign({ view: ({ event }) => event.output }) },
        onError: 'evaluating',
      },
    },
    evaluating: {
      invoke: {
        src: 'run',
        input: ({ context }) => {
          const files = evaluationFilesOf(context.view!);
          return {
            program: 'evaluator' as const,
            request: evaluationOf(context.view!),
            forRequest: context.request,
            ...(files === undefined ? {} : { files }),
          };
        },
        onDone: {
          target: 'ranking',
          actions: assign({
            ranking: ({ context, event }) => {
              const named = ((event.output as { node?: unknown }).node ?? []) as unknown[];
              const submitted = new Set(Object.keys(context.view!.results));
              return [...new Set(named.filter((n): n is string => typeof n === 'string' && submitted.has(n)))];
            },
          }),
        },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    ranking: {
      always: {
        guard: ({ context }) => (context.ranking ?? []).length === 0,
        target: 'failed',
        actions: assign({ error: 'the evaluator program ranked no worker that submitted' }),
      },
      invoke: {
        src: 'submit',
        input: ({ context }) => ({ op: { type: 'rank', request_id: context.request, ranking: [...context.ranking!] } }),
        onDone: 'done',
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({
    request: context.request,
    ...(context.ranking === undefined ? {} : { ranking: context.ranking }),
    ...(context.error === undefined ? {} : { error: context.error }),
  }),
});
