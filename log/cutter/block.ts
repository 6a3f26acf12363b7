import type { BlockHeader, ProposalHeader } from '../../schemas/index.ts';
import type { TxRecord } from '../codec/index.ts';
import { canonicalBytes, sha256Hex } from '../crypto/index.ts';

/** An append-only batch of log records with its header. */
export interface Block {
  readonly header: BlockHeader;
  readonly txs: readonly TxRecord[];
}

/** A header before the ledger has applied its block. */
export type UnsealedHeader = Omit<BlockHeader, 'stateRoot' | 'outcomeRoot'>;

/** A block the cutter closed, before the ledger has applied it. */
export interface UnsealedBlock {
  readonly header: UnsealedHeader;
  readonly txs: readonly TxRecord[];
}

/** What applying a block adds to its header. */
export interface BlockRoots {
  readonly stateRoot: string;
  readonly outcomeRoot: string;
}

/** The block hash: SHA-256 of the canonical JSON of the header. */
export function blockHashOf(header: BlockHeader): string {
  return sha256Hex(canonicalBytes(header));
}

/**
 * The proposal hash, what validators prevote and precommit: SHA-256 of the canonical JSON of a
 * proposed block's header (the block hash's rule, over the fields known before the block is applied).
 * @example proposalHashOf({ chain, shard, height: 2, prevHash, txRoot, recordsRoot, time, proposer, lastRoot })
 */
export function proposalHashOf(header: ProposalHeader): string {
  return sha256Hex(canonicalBytes(header));
}
