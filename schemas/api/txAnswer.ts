import { z } from 'zod';
import { BlockHeader } from '../block/index.ts';
import { Hash, Uint } from '../primitives/index.ts';

/** Levels of a block's Merkle trees: a block holds at most 100,000 records, 2^17 leaves at most. */
const proofPathMax = 64;

/**
 * A tx's inclusion in its block (RFC 6962): its position among the block's `size` records and the
 * sibling hashes from its leaf up to the header's `txRoot`, and from its outcome leaf
 * (SHA-256 of `<tx hash>:<code>`) up to `outcomeRoot`.
 */
export const TxInclusionProof = z.strictObject({
  index: Uint,
  size: Uint.min(1),
  txPath: z.array(Hash).max(proofPathMax),
  outcomePath: z.array(Hash).max(proofPathMax),
});

/** `GET /v1/tx/<hash>`: where a tx landed, what it came to, and the proof of both against its block's header. */
export const TxAnswer = z.object({
  hash: Hash,
  height: Uint.min(1),
  index: Uint,
  offset: Uint,
  outcome: z.object({ code: z.string(), message: z.string().optional() }),
  proof: TxInclusionProof,
  /** The block's hash: SHA-256 of the canonical JSON of `header`. */
  blockHash: Hash,
  header: BlockHeader,
});
export type TxAnswer = z.infer<typeof TxAnswer>;
