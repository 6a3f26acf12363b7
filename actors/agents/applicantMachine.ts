import { assign, setup } from 'xstate';
import type { OpOf } from '../../schemas/index.ts';
import { agentEffects, errorText, type Application } from './agentEffectSlots.ts';

type TestData = NonNullable<OpOf<'registerJob'>['test_data']>;

export interface ApplicantInput {
  readonly job: string;
  readonly role: Application['role'];
  /** The job schema's test data, if it has any (GET /v1/jobs/<job> → spec.test_data). */
  readonly testData?: TestData;
  /** What its machine offers, reported in applyJob so the ledger can tell when a job asks for more. */
  readonly machine?: OpOf<'applyJob'>['machine'];
  /** The least reward its agent takes a request for, reported in applyJob. */
  readonly minReward?: string;
}

interface ApplicantContext extends ApplicantInput {
  readonly testResult?: unknown;
  readonly applied?: boolean;
  readonly error?: string;
}

export interface ApplicantOutput {
  readonly job: string;
  readonly role: Application['role'];
  readonly applied: boolean;
  readonly testResult?: unknown;
  readonly error?: string;
}

/** The program an applicant runs on the schema's test data, and on what; null when it has nothing to answer. */
export function testTaskOf(role: Application['role'], testData: TestData | undefined): { program: 'worker' | 'evaluator'; request: unknown } | null {
  if (testData === undefined || role === 'admin') return null;
  if (role === 'worker') return { program: 'worker', request: testData.request };
  return (testData.workers ?? []).length === 0 ? null : { program: 'evaluator', request: { request: testData.request, workers: testData.workers } };
}

/**
 * A node applying to a job: it runs its program on the schema's test data (a worker answers the
 * test request, an evaluator ranks the test replies) and applies with that answer as its
 * `test_result`, for the job's admin to check, and with what its machine offers and the least
 * reward it takes when it reports them. A program that fails the test run does not apply.
 */
export const applicantMachine = setup({
  types: { input: {} as ApplicantInput, context: {} as ApplicantContext, output: {} as ApplicantOutput },
  actors: agentEffects,
  actions: {
    recordError: assign({ error: ({ event }) => errorText((event as { error?: unknown }).error) }),
  },
  guards: {
    hasTest: ({ context }) => testTaskOf(context.role, context.testData) !== null,
  },
}).createMachine({
  id: 'applicant',
  context: ({ input }) => ({ ...input }),
  initial: 'starting',
  states: {
    starting: { always: [{ guard: 'hasTest', target: 'testing' }, { target: 'applying' }] },
    testing: {
      invoke: {
        src: 'run',
        input: ({ context }) => testTaskOf(context.role, context.testData)!,
        onDone: { target: 'applying', actions: assign({ testResult: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    applying: {
      invoke: {
        src: 'submit',
        input: ({ context }) => ({
          op: {
            type: 'applyJob',
            job_id: context.job,
            role: context.role,
            ...(context.testResult === undefined ? {} : { test_result: context.testResult as OpOf<'applyJob'>['test_result'] }),
            ...(context.machine === undefined ? {} : { machine: context.machine }),
            ...(context.minReward === undefined ? {} : { min_reward: context.minReward }),
          },
        }),
        onDone: { target: 'applied', actions: assign({ applied: true }) },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    applied: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({
    job: context.job,
    role: context.role,
    applied: context.applied === true,
    ...(context.testResult === undefined ? {} : { testResult: context.testResult }),
    ...(context.error === undefined ? {} : { error: context.error }),
  }),
});
