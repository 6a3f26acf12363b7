import type { BlockResult } from '../../actors/index.ts';
import type { Block } from '../../log/index.ts';
import type { FiredTrigger, JobEvent } from '../../projections/index.ts';
import type { BlockHeader, RulesProof, SignedAttest } from '../../schemas/index.ts';

// These shapes live apart from the node that fills the store, so the API and the streams can
// read blocks without importing the node that assembles them (which imports both).

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
  /** A block that changed its shard's rules: the record with its proof against this block's stateRoot, which a report carries. */
  readonly rulesProof?: RulesProof;
  /** On a shard's chain, the attestations this block counted (a shard on Kafka reports them as its blocks' proof). */
  readonly attestations?: readonly SignedAttest[];
}

export interface TxLocation {
  readonly hash: string;
  readonly height: number;
  readonly index: number;
  readonly offset: number;
  readonly outcome: TxOutcomeView;
}

/** Where the API reads blocks and txs from; the node adds each block it seals. */
export interface BlockStore {
  add(block: Block, result: BlockResult): BlockView;
  get(height: number): BlockView | undefined;
  latest(): BlockView | undefined;
  /** Where a tx first landed, if its block is held here (in memory or in the history on disk). */
  findTx(hash: string): TxLocation | undefined;
  /**
   * The blocks held from `from` to `to` (both included), in height order; a height not held is
   * left out. At most `rangeBlocksMax` heights a read (more is a RangeError: page through them).
   * The read stops early, before the block that would take it past `rangeTxsMax` txs (it always
   * holds one block): `to` says the last height it covers, so the next read starts at `to + 1`.
   * A read never covers a height past the highest block held: `to` is at most that height (below
   * `from` when the whole range is ahead of the chain), so a reader paging on is never told that
   * heights not yet cut were empty.
   */
  blocks(from: number, to: number): { readonly blocks: BlockView[]; readonly to: number };
  /** Resolves once every block added so far is on disk (at once without a history). */
  flushed(): Promise<void>;
  /** The lowest height held. */
  readonly lowest: number;
  /**
   * Whether every block up to the node's start is held: its history on disk lacked no height up
   * to the snapshot it started from, and no write has failed since. False without a history.
   */
  readonly wholeSinceStart: boolean;
  /** Blocks and indexed txs held in memory. */
  readonly cached: { readonly blocks: number; readonly txs: number };
}
