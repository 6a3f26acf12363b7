import { BlockCutter, genesisPosition, type Block, type CheckedRecord, type TxRecord, type UnsealedBlock } from '../../log/index.ts';
import {
  applyReadModels,
  createReadModels,
  refusedTxsOf,
  snapshotReadModels,
  type ReadModelChange,
  type ReadModels,
  type Refusal,
} from '../../projections/index.ts';
import type { Genesis } from '../../schemas/index.ts';
import { applyBlock, createLedger, mayCut, snapshotLedger, type BlockResult, type Ledger } from '../ledger/index.ts';
import { loadChainSnapshot, type ChainSnapshot, type ChainSnapshotInput } from './chainSnapshot.ts';

/** One block the chain cut, applied and folded. */
export interface ChainStep {
  /** The block with its sealed header (state and outcome roots). */
  readonly block: Block;
  /** Its header's hash: the next block's prevHash, what validators attest. */
  readonly hash: string;
  /** What applying it did: outcomes, triggers, finality, slashes, job events. */
  readonly result: BlockResult;
  /** What it changed in the reputation and dashboard read models (null: it had no job events); the explain index is folded too. */
  readonly readModels: ReadModelChange | null;
}

export interface CreateChainParameters {
  readonly genesis: Genesis;
  /** Resume from here instead of genesis; BAD_SNAPSHOT when it cannot be used (see loadChainSnapshot). */
  readonly snapshot?: ChainSnapshotInput;
}

/**
 * Records in, blocks out: the one place where a log becomes a chain. Folded in place; a node
 * keeps one, an audit and a test build their own.
 */
export interface Chain {
  readonly genesis: Genesis;
  /** The ledger after the last block (its state tree is what the API reads). */
  readonly ledger: Ledger;
  /** Reputation, dashboard and the explain index after the last block. */
  readonly readModels: ReadModels;
  /** Where the cutter stands: the next height, the last block's hash and time, the last offset taken. */
  readonly position: BlockCutter['position'];
  /** Records taken beyond the last block, in log order. */
  readonly pending: readonly TxRecord[];
  readonly pendingCount: number;
  /**
   * Takes the next record of the log, with its verdict; returns the block it closed, applied, or
   * null. A record that failed its checks never closes a block.
   */
  push(checked: CheckedRecord): ChainStep | null;
  /**
   * Applies a block of exactly these records at `time` (by the first proposer unless named), for
   * blocks whose bounds were decided outside the log: one made by hand in a test, a proposal
   * re-executed. Nothing may be pending.
   */
  close(records: readonly CheckedRecord[], at: { readonly time: number; readonly proposer?: string }): ChainStep;
  /** The chain now, as plain JSON (a deep copy): `createChain({ genesis, snapshot })` resumes from it. */
  snapshot(): ChainSnapshot;
}

/**
 * A chain from genesis, or from a snapshot of it. Pure: no I/O, no clock; the same records give
 * the same blocks, roots and read models on every node, in every audit.
 * @example
 * const chain = createChain({ genesis })
 * const step = chain.push({ record, verdict: null }) // a block when this record closed one
 */
export function createChain({ genesis, snapshot }: CreateChainParameters): Chain {
  const loaded =
    snapshot === undefined
      ? (() => {
          const ledger = createLedger(genesis);
          return { ledger, position: { ...genesisPosition, prevHash: ledger.genesisHash }, readModels: createReadModels({ kFactor: genesis.jobs?.eloK }) };
        })()
      : loadChainSnapshot(snapshot, genesis);
  const { ledger, readModels } = loaded;
  const { chain, shard, proposers, block: limits } = genesis;
  const cutter = new BlockCutter(
    { chain, shard, maxTxs: limits.maxTxs, maxBytes: limits.maxBytes, proposers, isProposer: (address) => mayCut(ledger, address) },
    loaded.position,
  );
  // The boundary checks of the cutter's pending records, index for index: they close into the block with them.
  let pendingChecks: (Refusal | null)[] = [];

  const apply = (closed: UnsealedBlock, checks: readonly (Refusal | null)[]): ChainStep => {
    if (checks.length !== closed.txs.length)
      throw new Error(`createChain: block ${closed.header.height} has ${closed.txs.length} records and ${checks.length} checks`);
    const result = applyBlock(ledger, { header: closed.header, txs: closed.txs, checks });
    const block = cutter.seal(result);
    const refused = refusedTxsOf(closed.header, closed.txs, result.outcomes);
    return { block, hash: cutter.position.prevHash, result, readModels: applyReadModels(readModels, result.jobEvents, refused) };
  };

  return {
    genesis,
    ledger,
    readModels,
    get position() {
      return cutter.position;
    },
    get pending() {
      return cutter.pending;
    },
    get pendingCount() {
      return cutter.pendingCount;
    },
    push({ record, verdict }) {
      const closed = cutter.push(verdict === null || record.cut === null ? record : { ...record, cut: null });
      pendingChecks.push(verdict);
      if (closed === null) return null;
      const checks = pendingChecks;
      pendingChecks = [];
      return apply(closed, checks);
    },
    close(records, { time, proposer = proposers[0]! }) {
      const closed = cutter.close(
        records.map((r) => r.record),
        { time, proposer },
      );
      return apply(
        closed,
        records.map((r) => r.verdict),
      );
    },
    snapshot() {
      const position = cutter.position;
      return { height: ledger.height, blockHash: position.prevHash, position, ledger: snapshotLedger(ledger), readModels: snapshotReadModels(readModels) };
    },
  };
}
