import { assign, setup } from 'xstate';
import type { OpOf } from '../../schemas/index.ts';
import { agentEffects, errorText, type RequestView } from './agentEffectSlots.ts';

export interface ClientInput {
  /** The requestJob op to send. */
  readonly op: OpOf<'requestJob'>;
  /** Decides, from the ranked request, whether to accept (true) or challenge (false). */
  readonly accepts: (view: RequestView) => boolean;
}

interface ClientContext extends ClientInput {
  readonly request?: string;
  readonly view?: RequestView;
  readonly error?: string;
}

export interface ClientOutput {
  readonly request?: string;
  /** The request's final state (settled or refunded), or where the client stopped. */
  readonly state?: string;
  readonly error?: string;
}

/**
 * A client: request a job (rewards locked), follow it until it is ranked, accept or challenge by
 * its policy, and follow it to its end.
 */
export const clientMachine = setup({
  types: { input: {} as ClientInput, context: {} as ClientContext, output: {} as ClientOutput },
  actors: agentEffects,
  actions: {
    recordError: assign({ error: ({ event }) => errorText((event as { error?: unknown }).error) }),
    keepView: assign({ view: ({ event }) => (event as unknown as { output: RequestView }).output }),
  },
  guards: {
    ranked: ({ event }) => (event as unknown as { output: RequestView }).output.state === 'ranked',
    accepts: ({ context }) => context.accepts(context.view!),
  },
}).createMachine({
  id: 'client',
  context: ({ input }) => ({ ...input }),
  initial: 'requesting',
  states: {
    requesting: {
      invoke: {
        src: 'submit',
        input: ({ context }) => ({ op: context.op }),
        onDone: { target: 'waiting', actions: assign({ request: ({ event }) => event.output.hash }) },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    waiting: {
      invoke: {
        src: 'untilState',
        input: ({ context }) => ({ request: context.request!, states: ['ranked', 'settled', 'refunded'] }),
        onDone: [
          { guard: 'ranked', target: 'deciding', actions: 'keepView' },
          { target: 'done', actions: 'keepView' },
        ],
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    deciding: {
      always: [{ guard: 'accepts', target: 'accepting' }, { target: 'challenging' }],
    },
    accepting: {
      invoke: {
        src: 'submit',
        input: ({ context }) => ({ op: { type: 'acceptResult', request_id: context.request! } }),
        onDone: 'settling',
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    challenging: {
      invoke: {
        src: 'submit',
        input: ({ context }) => ({ op: { type: 'challenge', request_id: context.request!, reason: 'the client does not accept the ranking' } }),
        onDone: 'settling',
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    settling: {
      invoke: {
        src: 'untilState',
        input: ({ context }) => ({ request: context.request!, states: ['settled', 'refunded'] }),
        onDone: { target: 'done', actions: 'keepView' },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({
    ...(context.request === undefined ? {} : { request: context.request }),
    ...(context.view === undefined ? {} : { state: context.view.state }),
    ...(context.error === undefined ? {} : { error: context.error }),
  }),
});
