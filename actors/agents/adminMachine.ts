import { assign, setup } from 'xstate';
import type { OpOf } from '../../schemas/index.ts';
import { agentEffects, errorText, type Application } from './agentEffectSlots.ts';

type Role = Application['role'];
type TestData = NonNullable<OpOf<'registerJob'>['test_data']>;

export interface AdminInput {
  readonly op: OpOf<'registerJob'>;
  /** The applicants this admin waits for: it is done once each was tested and approved or dropped. */
  readonly applicants: readonly { readonly node: string; readonly role: Role }[];
  /** How long it waits for them to apply (default 60 s). */
  readonly patienceMs?: number;
}

/** An applicant the admin turned away, and why. */
export interface Refusal {
  readonly node: string;
  readonly role: Role;
  readonly why: string;
}

interface AdminContext extends AdminInput {
  readonly job?: string;
  /** The height of the block that registered the job: applications come after it. */
  readonly registeredAt?: number;
  readonly queue: readonly Application[];
  readonly approved: readonly string[];
  readonly refused: readonly Refusal[];
  /** Why the applicant at the head of the queue fails its test, once judged. */
  readonly verdict?: string | null;
  readonly error?: string;
}

export interface AdminOutput {
  readonly job?: string;
  readonly approved: readonly string[];
  readonly refused: readonly Refusal[];
  readonly error?: string;
}

/** The evaluator program's reply: the nodes it ranked, best first (the sample's `EvaluationResult`). */
const rankedBy = (reply: unknown): readonly unknown[] | null => {
  const node = (reply as { node?: unknown } | null)?.node;
  return Array.isArray(node) ? node : null;
};

/**
 * What the admin runs its evaluator program on to test `applicant`, or null when there is nothing
 * to run: an admin applicant, a schema without test data, or an evaluator test without replies.
 * A worker's answer is ranked among the test data's replies; an evaluator's ranking is compared
 * with the admin's own ranking of them.
 */
export function testRunOf(testData: TestData | undefined, applicant: Application): { request: unknown; workers: { node: string; response: unknown }[] } | null {
  if (testData === undefined || applicant.role === 'admin' || applicant.testResult === undefined) return null;
  const workers = [...(testData.workers ?? [])];
  if (applicant.role === 'evaluator') return workers.length === 0 ? null : { request: testData.request, workers };
  return { request: testData.request, workers: [...workers, { node: applicant.node, response: applicant.testResult }] };
}

/**
 * Whether `applicant` passes the schema's test: null if it does, else why not, in a sentence.
 * `reply` is the admin's evaluator run on `testRunOf(...)` (undefined when there was none).
 */
export function judgeApplicant(testData: TestData | undefined, applicant: Application, reply: unknown): string | null {
  if (testData === undefined || applicant.role === 'admin') return null;
  if (applicant.testResult === undefined) return `it applied as ${applicant.role} without a test_result, and the job's schema has test data`;
  const expected = reply === undefined ? null : rankedBy(reply);
  if (applicant.role === 'worker') {
    return expected?.includes(applicant.node) === true ? null : 'the evaluator program did not rank its answer to the test data (an invalid reply)';
  }
  if ((testData.workers ?? []).length === 0) return null;
  const given = rankedBy(applicant.testResult);
  if (given === null) return 'its test_result is not a ranking ({ node: [...] })';
  return JSON.stringify(given) === JSON.stringify(expected)
    ? null
    : `it ranked the test replies ${JSON.stringify(given)}, the evaluator program ranks them ${JSON.stringify(expected)}`;
}

const decided = (context: AdminContext) => new Set([...context.approved, ...context.refused.map((r) => r.node)]);

/**
 * An admin: registers a job schema, then tests each node that applies against the schema's test
 * data (its evaluator program run over the applicant's answer) and approves it, or drops it with
 * the reason. Done once every applicant it waits for is decided; failed if they do not all apply
 * within its patience.
 */
export const adminMachine = setup({
  types: { input: {} as AdminInput, context: {} as AdminContext, output: {} as AdminOutput },
  actors: agentEffects,
  actions: {
    recordError: assign({ error: ({ event }) => errorText((event as { error?: unknown }).error) }),
    enqueue: assign({
      queue: ({ context, event }) => {
        const application = event as unknown as Application & { type: string };
        const seen = decided(context);
        if (seen.has(application.node) || context.queue.some((a) => a.node === application.node)) return context.queue;
        const { type: _type, ...rest } = application;
        return [...context.queue, rest];
      },
    }),
  },
  guards: {
    allDecided: ({ context }) => {
      const seen = decided(context);
      return context.queue.length === 0 && context.applicants.every((a) => seen.has(a.node));
    },
    queued: ({ context }) => context.queue.length > 0,
    needsRun: ({ context }) => context.queue[0] !== undefined && testRunOf(context.op.test_data, context.queue[0]) !== null,
    passes: ({ context }) => context.verdict === null,
  },
  delays: { patience: ({ context }) => context.patienceMs ?? 60_000 },
}).createMachine({
  id: 'admin',
  context: ({ input }) => ({ ...input, queue: [], approved: [], refused: [] }),
  initial: 'registering',
  states: {
    registering: {
      invoke: {
        src: 'submit',
        input: ({ context }) => ({ op: context.op }),
        onDone: { target: 'admitting', actions: assign({ job: ({ event }) => event.output.hash, registeredAt: ({ event }) => event.output.height }) },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    admitting: {
      invoke: {
        src: 'applications',
        input: ({ context }) => ({ job: context.job!, fromHeight: context.registeredAt }),
      },
      on: { APPLIED: { actions: 'enqueue' }, APPLICATIONS_FAILED: { target: 'failed', actions: 'recordError' } },
      after: {
        patience: {
          target: 'failed',
          actions: assign({
            error: ({ context }) => {
              const seen = decided(context);
              return `NOT_FINAL: ${context.applicants.filter((a) => !seen.has(a.node)).length} applicants were not decided within ${context.patienceMs ?? 60_000} ms`;
            },
          }),
        },
      },
      initial: 'next',
      states: {
        next: {
          always: [
            { guard: 'allDecided', target: '#admin.done' },
            { guard: 'needsRun', target: 'testing' },
            {
              guard: 'queued',
              target: 'judged',
              actions: assign({ verdict: ({ context }) => judgeApplicant(context.op.test_data, context.queue[0]!, undefined) }),
            },
            { target: 'idle' },
          ],
        },
        idle: { on: { APPLIED: { target: 'next', actions: 'enqueue' } } },
        testing: {
          invoke: {
            src: 'run',
            input: ({ context }) => ({ program: 'evaluator' as const, request: testRunOf(context.op.test_data, context.queue[0]!) }),
            onDone: {
              target: 'judged',
              actions: assign({ verdict: ({ context, event }) => judgeApplicant(context.op.test_data, context.queue[0]!, event.output) }),
            },
            onError: {
              target: 'judged',
              actions: assign({ verdict: ({ event }) => `the admin's evaluator run on its test failed: ${errorText(event.error)}` }),
            },
          },
        },
        judged: { always: [{ guard: 'passes', target: 'approving' }, { target: 'dropping' }] },
        approving: {
          invoke: {
            src: 'submit',
            input: ({ context }) => ({ op: { type: 'approveNode', job_id: context.job!, node: context.queue[0]!.node, role: context.queue[0]!.role } }),
            onDone: {
              target: 'next',
              actions: assign({ approved: ({ context }) => [...context.approved, context.queue[0]!.node], queue: ({ context }) => context.queue.slice(1) }),
            },
            onError: { target: '#admin.failed', actions: 'recordError' },
          },
        },
        dropping: {
          invoke: {
            src: 'submit',
            input: ({ context }) => ({
              op: { type: 'drop', job_id: context.job!, node: context.queue[0]!.node, reason: `failed the job's test: ${context.verdict}`.slice(0, 512) },
            }),
            onDone: {
              target: 'next',
              actions: assign({
                refused: ({ context }) => [...context.refused, { node: context.queue[0]!.node, role: context.queue[0]!.role, why: context.verdict ?? '' }],
                queue: ({ context }) => context.queue.slice(1),
              }),
            },
            onError: { target: '#admin.failed', actions: 'recordError' },
          },
        },
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({
    ...(context.job === undefined ? {} : { job: context.job }),
    approved: context.approved,
    refused: context.refused,
    ...(context.error === undefined ? {} : { error: context.error }),
  }),
});
