import type { Logger } from 'pino';
import type { BlockCutter } from '../../events/index.ts';
import type { NodeSigner } from './nodeSigner.ts';

export interface ProposerOptions {
  readonly cutter: BlockCutter;
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
 * Appends a signed `cut` marker for the next height when its timer fires and txs wait beyond the
 * last block, once per height. Attestations of blocks that held only attestations do not make a
 * block on their own, so an idle chain goes quiet.
 */
export function startProposer({ cutter, signer, intervalMs, logger, caughtUp, hasWork, hasPending }: ProposerOptions): Proposer {
  let lastCutHeight = 0;
  let busy = false;
  const tryCut = async (evenIfIdle: boolean) => {
    const { height } = cutter.position;
    if (busy || !caughtUp() || height <= lastCutHeight || !(hasWork() || (evenIfIdle && hasPending()))) return;
    busy = true;
    try {
      await signer.submit({ type: 'cut', height });
      lastCutHeight = height;
    } catch (error) {
      logger.warn({ err: error }, 'could not append a cut marker; will retry');
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tryCut(false), intervalMs);
  return {
    cutSoon: (options) => void tryCut(options?.evenIfIdle === true),
    stop: () => clearInterval(timer),
  };
}
