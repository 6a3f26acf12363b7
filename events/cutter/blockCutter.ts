import { zeroHash, type BlockHeader } from '../../schemas/index.ts';
import type { TxRecord } from '../codec/index.ts';
import { merkleRoot } from '../crypto/index.ts';
import { blockHashOf, type Block } from './block.ts';

export interface BlockCutterOptions {
  readonly chain: string;
  readonly shard: string;
  readonly maxTxs: number;
  readonly maxBytes: number;
  /** Whose `cut` markers close blocks; the first also signs blocks closed by size. */
  readonly proposers: readonly string[];
  /**
   * Hook for the ledger: applies the block (header minus its roots) and returns the state root
   * after it and the root of its txs' outcomes. Without one, blocks carry zero hashes.
   */
  readonly seal?: (header: UnsealedHeader, txs: readonly TxRecord[]) => BlockRoots;
}

/** A header before the ledger has applied its block. */
export type UnsealedHeader = Omit<BlockHeader, 'stateRoot' | 'outcomeRoot'>;

/** What applying a block adds to its header. */
export interface BlockRoots {
  readonly stateRoot: string;
  readonly outcomeRoot: string;
}

/** Where the cutter stands: enough to resume from the record after `lastOffset`. */
export interface CutterPosition {
  /** Height of the next block. */
  readonly height: number;
  readonly prevHash: string;
  /** Time of the previous block (0 before the first). */
  readonly prevTime: number;
  /** Latest time claimed by a proposer's cut marker, stale or not. */
  readonly clockMs: number;
  /** Offset of the last record in a closed block (-1 before the first). */
  readonly lastOffset: number;
}

export const genesisPosition: CutterPosition = { height: 1, prevHash: zeroHash, prevTime: 0, clockMs: 0, lastOffset: -1 };

/**
 * The deterministic block cutter (DESIGN.md, "Blocks"), as Fabric's Kafka orderer cuts: every
 * node that feeds it the same records in the same order gets the same blocks. A block closes at
 * `maxTxs` records, at `maxBytes`, or at the first proposer's `cut` marker for the next height
 * (later markers for a closed height are ignored). Block time is the closing marker's time, or
 * for a block closed by size the latest marker time seen, never earlier than the previous block.
 * Pure: no clock, no I/O; `push` returns the block a record closed, if any.
 */
export class BlockCutter {
  readonly #options: BlockCutterOptions;
  readonly #proposers: ReadonlySet<string>;
  #position: CutterPosition;
  #pending: TxRecord[] = [];
  #pendingBytes = 0;
  #lastPushed: number;

  constructor(options: BlockCutterOptions, position: CutterPosition = genesisPosition) {
    if (options.proposers.length === 0) throw new Error('BlockCutter needs at least one proposer');
    if (options.maxTxs < 1 || options.maxBytes < 1) throw new Error('BlockCutter limits must be positive');
    this.#options = options;
    this.#proposers = new Set(options.proposers);
    this.#position = position;
    this.#lastPushed = position.lastOffset;
  }

  get position(): CutterPosition {
    return this.#position;
  }

  /** Records that belong to the next block so far. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** The records themselves, in log order: appended, not in a block yet. */
  get pending(): readonly TxRecord[] {
    return this.#pending;
  }

  push(record: TxRecord): Block | null {
    if (record.offset <= this.#lastPushed) {
      throw new Error(`BlockCutter got offset ${record.offset} after ${this.#lastPushed}: records must come in log order`);
    }
    this.#lastPushed = record.offset;
    this.#pending.push(record);
    this.#pendingBytes += record.sizeBytes;
    const cut = record.cut;
    if (cut !== null && this.#proposers.has(cut.from)) {
      if (cut.time > this.#position.clockMs) this.#position = { ...this.#position, clockMs: cut.time };
      if (cut.height === this.#position.height) return this.#close(Math.max(this.#position.prevTime, cut.time), cut.from);
    }
    if (this.#pending.length >= this.#options.maxTxs || this.#pendingBytes >= this.#options.maxBytes) {
      return this.#close(Math.max(this.#position.prevTime, this.#position.clockMs), this.#options.proposers[0]!);
    }
    return null;
  }

  #close(time: number, proposer: string): Block {
    const txs = this.#pending;
    const { chain, shard } = this.#options;
    const partial = {
      chain,
      shard,
      height: this.#position.height,
      prevHash: this.#position.prevHash,
      txRoot: merkleRoot(txs.map((t) => t.hash)),
      time,
      proposer,
      firstOffset: txs[0]!.offset,
      lastOffset: txs[txs.length - 1]!.offset,
    };
    const roots = this.#options.seal?.(partial, txs) ?? { stateRoot: zeroHash, outcomeRoot: zeroHash };
    const header: BlockHeader = { ...partial, stateRoot: roots.stateRoot, outcomeRoot: roots.outcomeRoot };
    this.#position = {
      height: header.height + 1,
      prevHash: blockHashOf(header),
      prevTime: time,
      clockMs: this.#position.clockMs,
      lastOffset: header.lastOffset,
    };
    this.#pending = [];
    this.#pendingBytes = 0;
    return { header, txs };
  }
}
