import type { BlockResult } from '../../actors/index.ts';
import type { FiredTrigger, JobEvent } from '../../projections/index.ts';
import { blockHashOf, type Block } from '../../events/index.ts';
import type { BlockHeader } from '../../schemas/index.ts';

/** What a tx came to, as the API serves it. */
export interface TxOutcomeView {
  readonly code: string;
  readonly message?: string;
}

/** A block as the API serves it: header, hash, and each tx's hash, offset and outcome. */
export interface BlockView {
  readonly hash: string;
  readonly header: BlockHeader;
  readonly txs: readonly { readonly offset: number; readonly hash: string; readonly outcome: TxOutcomeView }[];
  /** The final block as of this one (a block is final once a later block holds its quorum). */
  readonly finalized: { readonly height: number; readonly hash: string };
  /** What the job protocol did in the block (deadlines, then by tx). */
  readonly jobEvents: readonly JobEvent[];
  /** Functions whose paths the block wrote (`set_function` triggers), for the function workers. */
  readonly triggers: readonly FiredTrigger[];
}

export interface TxLocation {
  readonly hash: string;
  readonly height: number;
  readonly index: number;
  readonly offset: number;
  readonly outcome: TxOutcomeView;
}

export interface BlockStore {
  add(block: Block, result: BlockResult): BlockView;
  get(height: number): BlockView | undefined;
  latest(): BlockView | undefined;
  /** Where a tx landed, if its block is still held here. */
  findTx(hash: string): TxLocation | undefined;
  /** The lowest height still held. */
  readonly lowest: number;
}

export interface BlockStoreLimits {
  readonly blocksMax?: number;
  /** Txs indexed by hash at most; the oldest blocks go first. */
  readonly txsMax?: number;
}

/**
 * The most recent blocks and their txs' outcomes, in memory. Blocks are derived from the log, so
 * nothing is lost when they fall out: `ain audit` and a replay rebuild any of them.
 */
export function createBlockStore({ blocksMax = 10_000, txsMax = 2_000_000 }: BlockStoreLimits = {}): BlockStore {
  const byHeight = new Map<number, BlockView>();
  // The first occurrence of a hash is where it landed; later copies are DUPLICATE_TX.
  const byTx = new Map<string, { height: number; index: number }>();
  let txCount = 0;
  let lowest = 1;
  let last: BlockView | undefined;
  const evictOldest = () => {
    const old = byHeight.get(lowest);
    if (old !== undefined) {
      for (const [index, tx] of old.txs.entries()) {
        const at = byTx.get(tx.hash);
        if (at?.height === lowest && at.index === index) byTx.delete(tx.hash);
      }
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
      for (const [index, tx] of view.txs.entries()) if (!byTx.has(tx.hash)) byTx.set(tx.hash, { height: block.header.height, index });
      txCount += view.txs.length;
      while (byHeight.size > 1 && (byHeight.size > blocksMax || txCount > txsMax)) evictOldest();
      last = view;
      return view;
    },
    get: (height) => byHeight.get(height),
    latest: () => last,
    findTx(hash) {
      const at = byTx.get(hash);
      const tx = at === undefined ? undefined : byHeight.get(at.height)?.txs[at.index];
      return at === undefined || tx === undefined ? undefined : { hash, height: at.height, index: at.index, offset: tx.offset, outcome: tx.outcome };
    },
    get lowest() {
      return lowest;
    },
  };
}
