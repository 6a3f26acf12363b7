import { assign, setup } from 'xstate';
import type { OpOf } from '../../schemas/index.ts';
import { agentEffects, errorText } from './agentEffects.ts';

export interface AdminInput {
  readonly op: OpOf<'registerJob'>;
  /** The nodes this admin approves once they apply (its parent edges in the RTree). */
  readonly applicants: readonly { readonly node: string; readonly role: 'admin' | 'evaluator' | 'worker' }[];
}

interface AdminContext extends AdminInput {
  readonly job?: string;
  readonly approved?: readonly string[];
  readonly error?: string;
}

export interface AdminOutput {
  readonly job?: string;
  readonly approved: readonly string[];
  readonly error?: string;
}

/** An admin: registers a job schema, then approves the applicants it expects as they apply. */
export const adminMachine = setup({
  types: { input: {} as AdminInput, context: {} as AdminContext, output: {} as AdminOutput },
  actors: agentEffects,
  actions: {
    recordError: assign({ error: ({ event }) => errorText((event as { error?: unknown }).error) }),
  },
}).createMachine({
  id: 'admin',
  context: ({ input }) => ({ ...input }),
  initial: 'registering',
  states: {
    registering: {
      invoke: {
        src: 'submit',
        input: ({ context }) => ({ op: context.op }),
        onDone: { target: 'approving', actions: assign({ job: ({ event }) => event.output.hash }) },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    approving: {
      invoke: {
        src: 'approveApplicants',
        input: ({ context }) => ({ job: context.job!, applicants: context.applicants }),
        onDone: { target: 'done', actions: assign({ approved: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({ ...(context.job === undefined ? {} : { job: context.job }), approved: context.approved ?? [], ...(context.error === undefined ? {} : { error: context.error }) }),
});
