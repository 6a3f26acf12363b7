import type { BlockResult } from '../../actors/index.ts';
import type { Block } from '../../events/index.ts';
import type { FiredTrigger, JobEvent } from '../../projections/index.ts';
import type { BlockHeader } from '../../schemas/index.ts';

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
  /** Where a tx landed, if its block is still held here. */
  findTx(hash: string): TxLocation | undefined;
  /** The lowest height still held. */
  readonly lowest: number;
}
