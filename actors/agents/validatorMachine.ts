import { assign, fromPromise, setup } from 'xstate';
import { decideNextAttest, type AttestLedgerView } from '../../projections/index.ts';
import { errorText } from './agentEffectSlots.ts';

/** What a validator looks at before it attests: read from the node each time it decides. */
export interface ValidatorView extends AttestLedgerView {
  /** False while the node still replays its log: its ledger does not hold all it attested yet. */
  readonly caughtUp: boolean;
}

export interface ValidatorInput {
  /** How often it looks for blocks to attest without being told of one (after a restart, say). */
  readonly intervalMs: number;
  /** Its key's address: whose votes it looks for in the ledger. */
  readonly address: string;
  readonly view: () => ValidatorView;
}

interface ValidatorContext extends ValidatorInput {
  /** Blocks up to this height need nothing more from it (attested, per this run or the ledger, or final). */
  readonly doneUpTo: number;
  /** The block it attests next, as decided when it last looked. */
  readonly next: number | null;
  readonly lastError?: string;
}

/** `BLOCK`: the node applied a block. */
export type ValidatorEvent = { readonly type: 'BLOCK' };

/**
 * The ValidatorActor: once the node has caught up with its log, attests in height order each
 * block the ledger says it should (projections' decideAttest: applied, not final, no vote of its
 * own held or waiting in the log, stake in the block's set). So after a restart it resumes from
 * what its replayed ledger holds instead of voting again. A failed attestation is reported and
 * tried again at the next block or tick. Its one effect, `attest`, is provided by runtime/node: it
 * signs the block's header hash with the node's key.
 */
export const validatorMachine = setup({
  types: { input: {} as ValidatorInput, context: {} as ValidatorContext, events: {} as ValidatorEvent },
  actors: {
    /** Attests the block at `height`; resolves once the attestation is in the log. */
    attest: fromPromise<{ readonly height: number }, { readonly height: number }>(() =>
      Promise.reject(new Error("the validator's attest effect was not provided; runtime/node provides it")),
    ),
  },
  actions: {
    reportError: () => {},
    decide: assign(({ context }) => {
      const view = context.view();
      if (!view.caughtUp) return { next: null };
      const plan = decideNextAttest(view, context.address, context.doneUpTo);
      return { doneUpTo: plan.doneUpTo, next: plan.next };
    }),
  },
  delays: { interval: ({ context }) => context.intervalMs },
  guards: {
    due: ({ context }) => context.next !== null,
  },
}).createMachine({
  id: 'validator',
  context: ({ input }) => ({ ...input, doneUpTo: 0, next: null }),
  initial: 'looking',
  states: {
    looking: {
      entry: 'decide',
      always: [{ guard: 'due', target: 'attesting' }, { target: 'idle' }],
    },
    idle: {
      after: { interval: 'looking' },
      on: { BLOCK: 'looking' },
    },
    attesting: {
      invoke: {
        src: 'attest',
        input: ({ context }) => ({ height: context.next! }),
        onDone: { target: 'looking', actions: assign({ doneUpTo: ({ event }) => event.output.height }) },
        onError: { target: 'idle', actions: [assign({ lastError: ({ event }) => errorText(event.error) }), 'reportError'] },
      },
    },
  },
});
