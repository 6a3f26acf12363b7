import type { BlockResult } from '../../actors/index.ts';
import { blockHashOf, type Block } from '../../log/index.ts';
import type { BlockStore, BlockView, TxLocation } from '../blocks/index.ts';

export type { BlockStore, BlockView, TxLocation, TxOutcomeView } from '../blocks/index.ts';

/**
 * The blocks on disk (`openBlockHistory`): reads are synchronous, writes are queued and commit in
 * order, a block with its tx entries at once.
 */
export interface BlockHistory {
  put(view: BlockView): void;
  get(height: number): BlockView | undefined;
  /** Where a tx first landed among the blocks written. */
  findTx(hash: string): TxLocation | undefined;
  /** Lowest and highest heights held (0 when none); a put counts at once. */
  readonly lowest: number;
  readonly highest: number;
  /** The highest height whose write has committed (readable from disk). */
  readonly committedHeight: number;
  /** Heights up to the snapshot the history lacked when it was opened: `startHistoryRebuild` fills them. */
  readonly missingAtOpen: number;
  /** A write failed: the history stopped growing. */
  readonly failed: boolean;
  flushed(): Promise<void>;
  close(): Promise<void>;
}

export interface BlockStoreLimits {
  /** Blocks kept in memory at most; older ones are read from the history (when there is one). */
  readonly blocksMax?: number;
  /** Txs indexed by hash in memory at most; the oldest blocks go first. */
  readonly txsMax?: number;
  /** Heights one `blocks(from, to)` read may span. */
  readonly rangeBlocksMax?: number;
  /** Txs one `blocks(from, to)` read holds at most (past one block), so a read of big blocks stays bounded. */
  readonly rangeTxsMax?: number;
}

export interface BlockStoreOptions extends BlockStoreLimits {
  /** Where blocks are kept for good; without one, blocks that leave memory are gone. */
  readonly history?: BlockHistory;
}

const txSlots = 2 ** 17;

const viewOf = (block: Block, result: BlockResult): BlockView => ({
  hash: blockHashOf(block.header),
  header: block.header,
  txs: block.txs.map((t, i) => ({ offset: t.offset, hash: t.hash, outcome: result.outcomes[i]! })),
  finalized: result.finalized,
  jobEvents: result.jobEvents,
  triggers: result.triggers,
  ...(result.rulesProof === undefined ? {} : { rulesProof: result.rulesProof }),
  ...(result.attestations === undefined ? {} : { attestations: result.attestations }),
});

/**
 * The node's blocks and their txs' outcomes: the most recent in memory, all of them in the
 * history on disk when there is one. A block leaves memory only once its write has committed, so
 * every block added stays readable. Blocks are derived from the log: `ain audit` and a replay
 * rebuild any of them.
 */
export function createBlockStore({
  blocksMax = 10_000,
  txsMax = 2_000_000,
  rangeBlocksMax = 1000,
  rangeTxsMax = 100_000,
  history,
}: BlockStoreOptions = {}): BlockStore {
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
  // A block not yet readable from the history stays; once the history has failed it holds none back, so memory stays bounded.
  const evictable = () => history === undefined || history.failed || lowest <= history.committedHeight;
  const trim = () => {
    while (byHeight.size > 1 && (byHeight.size > blocksMax || txCount > txsMax) && evictable()) evictOldest();
  };
  const get = (height: number) => byHeight.get(height) ?? history?.get(height);
  return {
    add(block, result) {
      const view = viewOf(block, result);
      if (byHeight.size === 0) lowest = block.header.height;
      byHeight.set(block.header.height, view);
      for (const [index, tx] of view.txs.entries()) if (!byTx.has(tx.hash)) byTx.set(tx.hash, at(block.header.height, index));
      txCount += view.txs.length;
      history?.put(view);
      trim(); // blocks whose writes are still in flight stay until a later add
      last = view;
      return view;
    },
    get,
    // Before the first block of this run: the last one the history kept.
    latest: () => (last ??= history === undefined || history.highest === 0 ? undefined : history.get(history.highest)),
    findTx(hash) {
      // The history first: what it holds is older than anything only in memory.
      const stored = history?.findTx(hash);
      if (stored !== undefined) return stored;
      const packed = byTx.get(hash);
      if (packed === undefined) return undefined;
      const height = Math.floor(packed / txSlots);
      const index = packed % txSlots;
      const tx = byHeight.get(height)?.txs[index];
      return tx === undefined ? undefined : { hash, height, index, offset: tx.offset, outcome: tx.outcome };
    },
    blocks(from, to) {
      if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 1 && to >= from && to - from < rangeBlocksMax)) {
        throw new RangeError(`blocks(${from}, ${to}): a range is 1 to ${rangeBlocksMax} heights from height 1`);
      }
      // Heights past the highest block held are not read, nor claimed: near 2^53, `height++` stops counting and the loop would never end.
      const top = Math.min(to, Math.max(last?.header.height ?? 0, history?.highest ?? 0));
      const found: BlockView[] = [];
      let txs = 0;
      for (let height = from; height <= top; height++) {
        const view = get(height);
        if (view === undefined) continue;
        txs += view.txs.length;
        if (txs > rangeTxsMax && found.length > 0) return { blocks: found, to: height - 1 };
        found.push(view);
      }
      return { blocks: found, to: Math.max(top, from - 1) };
    },
    flushed: () => history?.flushed() ?? Promise.resolve(),
    get cached() {
      return { blocks: byHeight.size, txs: byTx.size };
    },
    get lowest() {
      return history !== undefined && history.lowest > 0 ? Math.min(history.lowest, lowest) : lowest;
    },
    get wholeSinceStart() {
      return history !== undefined && history.missingAtOpen <= 0 && !history.failed;
    },
  };
}
