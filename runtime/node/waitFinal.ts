import { filter, firstValueFrom, timeout, type Observable } from 'rxjs';
import { AinError } from '../../schemas/index.ts';
import type { BlockStore, BlockView } from './blockStore.ts';
import type { Proposer } from './proposer.ts';

export interface WaitFinalOptions {
  readonly blocks: Pick<BlockStore, 'latest'>;
  readonly blocks$: Observable<BlockView>;
  /** The node's proposer, asked to cut even when idle so the attestations that make a block final get a block; absent on a node that does not propose. */
  readonly proposer?: Pick<Proposer, 'cutSoon'>;
  readonly intervalMs: number;
}

/** Resolves once block `height` is final; rejects with NOT_FINAL after `timeoutMs`. */
export type WaitFinal = (height: number, timeoutMs?: number) => Promise<void>;

/**
 * Waits for finality on the blocks the node applies. A block is final once a later block carries
 * a quorum of attestations to it, so the proposer is nudged to cut while the caller waits.
 */
export function createWaitFinal({ blocks, blocks$, proposer, intervalMs }: WaitFinalOptions): WaitFinal {
  return async (height, timeoutMs = Math.max(2000, 3 * intervalMs)) => {
    if ((blocks.latest()?.finalized.height ?? 0) >= height) return;
    proposer?.cutSoon({ evenIfIdle: true });
    const nudge = setInterval(() => proposer?.cutSoon({ evenIfIdle: true }), Math.min(100, intervalMs));
    try {
      await firstValueFrom(
        blocks$.pipe(
          filter((b) => b.finalized.height >= height),
          timeout(timeoutMs),
        ),
      );
    } catch (cause) {
      throw new AinError('NOT_FINAL', `Block ${height} is not final yet (the final height is ${blocks.latest()?.finalized.height ?? 0}); retry shortly.`, {
        cause,
      });
    } finally {
      clearInterval(nudge);
    }
  };
}
