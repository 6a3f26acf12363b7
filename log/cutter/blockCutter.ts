import { zeroHash, type BlockHeader } from '../../schemas/index.ts';
import type { TxRecord } from '../codec/index.ts';
import { merkleRoot } from '../crypto/index.ts';
import { blockHashOf, type Block, type BlockRoots, type UnsealedBlock, type UnsealedHeader } from './block.ts';

export interface BlockCutterOptions {
  readonly chain: string;
  readonly shard: string;
  readonly maxTxs: number;
  readonly maxBytes: number;
  /** Whose `cut` markers close blocks; the first also signs blocks closed by size. */
  readonly proposers: readonly string[];
  /**
   * Whose markers close blocks beside `proposers`, asked when one comes: on a chain whose
   * validators change with stake, the ledger's validators of the height being cut.
   */
  readonly isProposer?: (address: string) => boolean;
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
 * Pure: no clock, no I/O. `push` returns the block a record closed, if any, without its roots;
 * the ledger applies it, and `seal` puts the roots in its header and moves on to the next height
 * (the next block's prevHash is the sealed header's hash, so nothing is pushed in between).
 */
export class BlockCutter {
  readonly #options: BlockCutterOptions;
  readonly #proposers: ReadonlySet<string>;
  #position: CutterPosition;
  #pending: TxRecord[] = [];
  #pendingBytes = 0;
  #lastPushed: number;
  /** The block closed and not sealed yet. */
  #closed: UnsealedBlock | null = null;

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

  /** The records of the next block up to `record`, when `record` closes it; then `seal` before the next push. */
  push(record: TxRecord): UnsealedBlock | null {
    this.#assertSealed();
    if (record.offset <= this.#lastPushed) {
      throw new Error(`BlockCutter got offset ${record.offset} after ${this.#lastPushed}: records must come in log order`);
    }
    this.#lastPushed = record.offset;
    this.#pending.push(record);
    this.#pendingBytes += record.sizeBytes;
    const cut = record.cut;
    if (cut !== null && (this.#proposers.has(cut.from) || this.#options.isProposer?.(cut.from) === true)) {
      if (cut.time > this.#position.clockMs) this.#position = { ...this.#position, clockMs: cut.time };
      if (cut.height === this.#position.height) return this.#close(Math.max(this.#position.prevTime, cut.time), cut.from);
    }
    if (this.#pending.length >= this.#options.maxTxs || this.#pendingBytes >= this.#options.maxBytes) {
      return this.#close(Math.max(this.#position.prevTime, this.#position.clockMs), this.#options.proposers[0]!);
    }
    return null;
  }

  /**
   * Closes a block of exactly `txs` at `time` (never before the previous block) for `proposer`,
   * as if its marker had arrived: for blocks whose bounds were decided outside the log (a block
   * made by hand in a test, a proposal re-executed). Nothing may be pending. A block of no
   * records covers none: both its offsets name the next record.
   */
  close(txs: readonly TxRecord[], { time, proposer }: { readonly time: number; readonly proposer: string }): UnsealedBlock {
    this.#assertSealed();
    if (this.#pending.length > 0) throw new Error(`BlockCutter.close with ${this.#pending.length} records pending: they belong to the next block`);
    for (const record of txs) {
      if (record.offset <= this.#lastPushed)
        throw new Error(`BlockCutter got offset ${record.offset} after ${this.#lastPushed}: records must come in log order`);
      this.#lastPushed = record.offset;
    }
    if (time > this.#position.clockMs) this.#position = { ...this.#position, clockMs: time };
    return this.#closeBlock(txs, Math.max(this.#position.prevTime, time), proposer);
  }

  /**
   * Puts the ledger's roots in the header of the block closed last; the cutter then stands at the
   * next height, after that header's hash.
   */
  seal(roots: BlockRoots): Block {
    const closed = this.#closed;
    if (closed === null) throw new Error('BlockCutter.seal without a closed block');
    const header: BlockHeader = { ...closed.header, stateRoot: roots.stateRoot, outcomeRoot: roots.outcomeRoot };
    this.#position = {
      height: header.height + 1,
      prevHash: blockHashOf(header),
      prevTime: header.time,
      clockMs: this.#position.clockMs,
      lastOffset: closed.txs.length === 0 ? this.#position.lastOffset : header.lastOffset,
    };
    this.#closed = null;
    return { header, txs: closed.txs };
  }

  #assertSealed(): void {
    if (this.#closed !== null) throw new Error(`BlockCutter: block ${this.#closed.header.height} is closed and not sealed; seal it first`);
  }

  #close(time: number, proposer: string): UnsealedBlock {
    const txs = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    return this.#closeBlock(txs, time, proposer);
  }

  #closeBlock(txs: readonly TxRecord[], time: number, proposer: string): UnsealedBlock {
    const { chain, shard } = this.#options;
    const next = this.#position.lastOffset + 1;
    const header: UnsealedHeader = {
      chain,
      shard,
      height: this.#position.height,
      prevHash: this.#position.prevHash,
      txRoot: merkleRoot(txs.map((t) => t.hash)),
      recordsRoot: merkleRoot(txs.map((t) => t.ref)),
      time,
      proposer,
      firstOffset: txs[0]?.offset ?? next,
      lastOffset: txs.at(-1)?.offset ?? next,
    };
    this.#closed = { header, txs };
    return this.#closed;
  }
}
