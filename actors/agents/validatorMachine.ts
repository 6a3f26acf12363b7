import { assign, fromPromise, setup } from 'xstate';
import { errorText } from './agentEffects.ts';

/** What a validator looks at before it attests: read from the node each time it decides. */
export interface ValidatorView {
  /** The height of the node's ledger (the last block it applied). */
  readonly height: number;
  /** False while the node still replays its log. */
  readonly caughtUp: boolean;
}

export interface ValidatorInput {
  /** How often it looks for blocks to attest without being told of one (after a restart, say). */
  readonly intervalMs: number;
  readonly view: () => ValidatorView;
  /** Blocks up to this height need no attestation from it (the final height when it starts). */
  readonly attestedUpTo: number;
}

interface ValidatorContext extends ValidatorInput {
  readonly lastError?: string;
}

/** `BLOCK`: the node applied a block. */
export type ValidatorEvent = { readonly type: 'BLOCK' };

/**
 * The ValidatorActor: attests every block the node applies, in height order, once the node has
 * caught up with its log; after a restart every block above the final height is attested (a repeat
 * is ALREADY_ATTESTED, harmless). A failed attestation is reported and tried again at the next
 * block or tick. Its one effect, `attest`, is provided by runtime/node: it signs the block's
 * header hash while the node's key has stake, and skips it otherwise.
 */
export const validatorMachine = setup({
  types: { input: {} as ValidatorInput, context: {} as ValidatorContext, events: {} as ValidatorEvent },
  actors: {
    /** Attests (or, without stake, skips) the block at `height`; resolves once the attestation is in the log. */
    attest: fromPromise<{ readonly height: number }, { readonly height: number }>(() => Promise.reject(new Error("the validator's attest effect was not provided; runtime/node provides it"))),
  },
  actions: {
    reportError: () => {},
  },
  delays: { interval: ({ context }) => context.intervalMs },
  guards: {
    behind: ({ context }) => {
      const view = context.view();
      return view.caughtUp && context.attestedUpTo < view.height;
    },
  },
}).createMachine({
  id: 'validator',
  context: ({ input }) => ({ ...input }),
  initial: 'looking',
  states: {
    looking: { always: [{ guard: 'behind', target: 'attesting' }, { target: 'idle' }] },
    idle: {
      after: { interval: 'looking' },
      on: { BLOCK: 'looking' },
    },
    attesting: {
      invoke: {
        src: 'attest',
        input: ({ context }) => ({ height: context.attestedUpTo + 1 }),
        onDone: { target: 'looking', actions: assign({ attestedUpTo: ({ event }) => event.output.height }) },
        onError: { target: 'idle', actions: [assign({ lastError: ({ event }) => errorText(event.error) }), 'reportError'] },
      },
    },
  },
});
