import { assign, fromPromise, setup } from 'xstate';
import { errorText } from './agentEffectSlots.ts';

/** What a proposer looks at before it cuts: read from the node each time it decides. */
export interface ProposerView {
  /** The height the next block will have (the cutter's position). */
  readonly height: number;
  /** False while the node still replays its log: a marker then would be for a stale height. */
  readonly caughtUp: boolean;
  /** Records wait that need a block (txs, or a job deadline that passed). */
  readonly hasWork: boolean;
  /** Records of any kind wait (attestations of idle blocks included). */
  readonly hasPending: boolean;
}

export interface ProposerInput {
  readonly intervalMs: number;
  readonly view: () => ProposerView;
}

interface ProposerContext extends ProposerInput {
  /** The last height this proposer appended a marker for: at most one marker per height. */
  readonly lastCutHeight: number;
  readonly lastError?: string;
}

/** `CUT_SOON`: cut now if anything waits, without waiting for the timer (e.g. a quorum of attestations arrived). */
export type ProposerEvent = { readonly type: 'CUT_SOON'; readonly evenIfIdle?: boolean };

/** Whether a proposer that last cut `lastCutHeight` should append a marker now. */
export function shouldCut(view: ProposerView, lastCutHeight: number, evenIfIdle: boolean): boolean {
  return view.caughtUp && view.height > lastCutHeight && (view.hasWork || (evenIfIdle && view.hasPending));
}

/**
 * The ProposerActor: on its timer (or when asked to hurry) it appends a signed `cut` marker for
 * the next height, once per height, when txs wait beyond the last block. Attestations of blocks
 * that held only attestations do not make a block on their own, so an idle chain goes quiet. A
 * failed append is reported and retried on the next tick. Its one effect, `appendCut`, is
 * provided by runtime/node (the node's signer on its log).
 */
export const proposerMachine = setup({
  types: { input: {} as ProposerInput, context: {} as ProposerContext, events: {} as ProposerEvent },
  actors: {
    /** Appends a signed cut marker for `height`; resolves with that height once it is in the log. */
    appendCut: fromPromise<{ readonly height: number }, { readonly height: number }>(() =>
      Promise.reject(new Error("the proposer's appendCut effect was not provided; runtime/node provides it")),
    ),
  },
  actions: {
    /** Told to the node's log by runtime/node; nothing by default. */
    reportError: () => {},
  },
  delays: { interval: ({ context }) => context.intervalMs },
  guards: {
    workWaits: ({ context }) => shouldCut(context.view(), context.lastCutHeight, false),
    asked: ({ context, event }) => shouldCut(context.view(), context.lastCutHeight, event.evenIfIdle === true),
  },
}).createMachine({
  id: 'proposer',
  context: ({ input }) => ({ ...input, lastCutHeight: 0 }),
  initial: 'waiting',
  states: {
    waiting: {
      after: {
        interval: [
          { guard: 'workWaits', target: 'cutting' },
          { target: 'waiting', reenter: true },
        ],
      },
      on: { CUT_SOON: { guard: 'asked', target: 'cutting' } },
    },
    cutting: {
      invoke: {
        src: 'appendCut',
        input: ({ context }) => ({ height: context.view().height }),
        onDone: { target: 'waiting', actions: assign({ lastCutHeight: ({ event }) => event.output.height }) },
        onError: { target: 'waiting', actions: [assign({ lastError: ({ event }) => errorText(event.error) }), 'reportError'] },
      },
    },
  },
});
