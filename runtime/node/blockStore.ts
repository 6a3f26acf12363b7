import { blockHashOf } from '../../events/index.ts';
import type { BlockStore, BlockView } from '../blocks/index.ts';

export type { BlockStore, BlockView, TxLocation, TxOutcomeView } from '../blocks/index.ts';

export interface BlockStoreLimits {
  readonly blocksMax?: number;
  /** Txs indexed by hash at most; the oldest blocks go first. */
  readonly txsMax?: number;
}

const txSlots = 2 ** 17;

/**
 * The most recent blocks and their txs' outcomes, in memory. Blocks are derived from the log, so
 * nothing is lost when they fall out: `ain audit` and a replay rebuild any of them.
 */
export function createBlockStore({ blocksMax = 10_000, txsMax = 2_000_000 }: BlockStoreLimits = {}): BlockStore {
  const byHeight = new Map<number, BlockView>();
  // The first occurrence of a hash is where it landed; later copies are DUPLICATE_TX. Packed as
  // one number (height × 2^17 + index: a block holds at most 100,000 txs), not an object per tx.
  const byTx = new Map<string, number>();
  const at = (height: number, index: number) => height * txSlots + index;
  let txCount = 0;
  let lowest = 1;
  let last: BlockView | undefined;
  const evictOldest = () => {
    const old = byHeight.get(lowest);
    if (old !== undefined) {
      for (const [index, tx] of old.txs.entries()) if (byTx.get(tx.hash) === at(lowest, index)) byTx.delete(tx.hash);
      txCount -= old.txs.length;
      byHeight.delete(lowest);
    }
    lowest++;
  };
  return {
    add(block, result) {
      const view: BlockView = {
        hash: blockHashOf(block.header),
        header: block.header,
        txs: block.txs.map((t, i) => ({ offset: t.offset, hash: t.hash, outcome: result.outcomes[i]! })),
        finalized: result.finalized,
        jobEvents: result.jobEvents,
        triggers: result.triggers,
      };
      if (byHeight.size === 0) lowest = block.header.height;
      byHeight.set(block.header.height, view);
      for (const [index, tx] of view.txs.entries()) if (!byTx.has(tx.hash)) byTx.set(tx.hash, at(block.header.height, index));
      txCount += view.txs.length;
      while (byHeight.size > 1 && (byHeight.size > blocksMax || txCount > txsMax)) evictOldest();
      last = view;
      return view;
    },
    get: (height) => byHeight.get(height),
    latest: () => last,
    findTx(hash) {
      const packed = byTx.get(hash);
      if (packed === undefined) return undefined;
      const height = Math.floor(packed / txSlots);
      const index = packed % txSlots;
      const tx = byHeight.get(height)?.txs[index];
      return tx === undefined ? undefined : { hash, height, index, offset: tx.offset, outcome: tx.outcome };
    },
    get lowest() {
      return lowest;
    },
  };
}
