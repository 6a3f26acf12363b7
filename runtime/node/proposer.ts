import type { Logger } from 'pino';
import { createActor, fromPromise } from 'xstate';
import { proposerMachine } from '../../actors/index.ts';
import type { Chain } from '../../actors/index.ts';
import type { NodeSigner } from './nodeSigner.ts';

export interface ProposerOptions {
  /** Where its cutter stands: a marker is for the next height. */
  readonly chain: Pick<Chain, 'position'>;
  readonly signer: NodeSigner;
  readonly intervalMs: number;
  readonly logger: Logger;
  /** False while the node is still replaying its log: a marker then would be for a stale height. */
  readonly caughtUp: () => boolean;
  /** Records wait that need a block (see Follower.hasWork). */
  readonly hasWork: () => boolean;
  /** Records of any kind wait (attestations of idle blocks included). */
  readonly hasPending: () => boolean;
}

export interface Proposer {
  /** Cuts now if anything waits, without waiting for the timer (e.g. a quorum of attestations). */
  cutSoon(options?: { evenIfIdle?: boolean }): void;
  stop(): void;
}

/**
 * Runs the node's ProposerActor (actors/agents/proposerMachine) live: it reads the chain and the
 * follower when it decides, and appends its cut markers with the node's signer.
 */
export function startProposer({ chain, signer, intervalMs, logger, caughtUp, hasWork, hasPending }: ProposerOptions): Proposer {
  const machine = proposerMachine.provide({
    actors: {
      appendCut: fromPromise<{ height: number }, { height: number }>(async ({ input }) => {
        await signer.submit({ type: 'cut', height: input.height });
        return input;
      }),
    },
    actions: {
      reportError: ({ context }) => logger.warn({ err: context.lastError }, 'could not append a cut marker; will retry'),
    },
  });
  const view = () => ({ height: chain.position.height, caughtUp: caughtUp(), hasWork: hasWork(), hasPending: hasPending() });
  const actor = createActor(machine, { input: { intervalMs, view } }).start();
  return {
    cutSoon: (options) => actor.send({ type: 'CUT_SOON', evenIfIdle: options?.evenIfIdle === true }),
    stop: () => actor.stop(),
  };
}
