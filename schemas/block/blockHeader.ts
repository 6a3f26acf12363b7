import { z } from 'zod';
import { Address, ChainId, Hash, ShardPath, TimeMs, Uint } from '../primitives/index.ts';

/** DESIGN.md, "Blocks". The header hash is SHA-256 of its RFC 8785 canonical JSON. */
export const BlockHeader = z.strictObject({
  chain: ChainId,
  shard: ShardPath,
  height: Uint.min(1),
  prevHash: Hash,
  /** Merkle root of the block's tx hashes, in log order. */
  txRoot: Hash,
  /**
   * Merkle root of the SHA-256 of each of the block's records, its whole bytes (`sig` included), in
   * log order: the txRoot names txs by their signed bytes, and a signer can sign the same tx again
   * with another valid signature, so only this root makes the block hash (and the proposal hash
   * validators vote on) name the log's bytes.
   */
  recordsRoot: Hash,
  /** State root after applying the block; the ledger fills it (zeros without a ledger). */
  stateRoot: Hash,
  /** Merkle root of SHA-256(`<tx hash>:<outcome code>`) per tx, in block order: what each tx came to. */
  outcomeRoot: Hash,
  time: TimeMs,
  proposer: Address,
  /** Log offsets of the block's first and last records (inclusive). */
  firstOffset: Uint,
  lastOffset: Uint,
});
export type BlockHeader = z.infer<typeof BlockHeader>;

/** All zeros: the prevHash of the first block and the placeholder state root. */
export const zeroHash = '0'.repeat(64);
