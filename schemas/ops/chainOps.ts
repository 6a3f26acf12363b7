import { z } from 'zod';
import { Certificate, Evidence } from '../consensus/index.ts';
import { Address, ChainId, Hash, PublicKeyHex, ShardPath, SignatureHex, TimeMs, Uint } from '../primitives/index.ts';

/** Time-to-cut marker: closes block `height` at the marker's position in the log. */
export const CutOp = z.strictObject({ type: z.literal('cut'), height: Uint.min(1) });

/** A validator's signature (the tx's own) on a block header hash. */
export const AttestOp = z.strictObject({
  type: z.literal('attest'),
  height: Uint.min(1),
  hash: Hash,
});

/** A whole signed `attest` tx, as evidence inside another tx. */
export const SignedAttest = z.strictObject({
  v: z.literal(1),
  chain: ChainId,
  shard: ShardPath,
  from: Address,
  nonce: Uint,
  time: TimeMs,
  op: AttestOp,
  pub: PublicKeyHex,
  sig: SignatureHex,
});

/**
 * Proof that a validator signed two different headers for one height: anyone may submit it,
 * and the validator's stake is slashed. Keyed by height alone, and rightly so for attestations:
 * where validators attest (a Kafka cluster), the log orders the blocks, so each height has one
 * header and an honest validator attests it once; there are no rounds in which to change its mind.
 * Consensus votes, which have rounds, are judged by `evidence`.
 */
export const EquivocationOp = z.strictObject({
  type: z.literal('equivocation'),
  first: SignedAttest,
  second: SignedAttest,
});

/**
 * The block's proposer puts the certificate of the previous block in it (CometBFT's LastCommit):
 * more than 2/3 of that height's validators precommitted its proposal hash. Applied, it makes the
 * previous block final, and every node's log holds the same certificate.
 */
export const CommitOp = z.strictObject({ type: z.literal('commit'), certificate: Certificate });

/**
 * Consensus evidence: two signed votes of one validator for one (height, round, kind) with
 * different hashes (the schema holds the rest). A validator's stake in the set of that height is
 * burned and it leaves the set. A peer-to-peer network's proposer puts what it holds in its block.
 */
export const EvidenceOp = z.strictObject({ type: z.literal('evidence'), evidence: Evidence });

/** Creates a child chain for a subtree with its own validators and block rules. */
export const BranchOp = z.strictObject({
  type: z.literal('branch'),
  path: ShardPath,
  validators: z.record(Address, z.string().regex(/^[1-9][0-9]{0,38}$/)),
  max_txs: Uint.min(1).optional(),
  max_bytes: Uint.min(1).optional(),
});

/** A child chain reports a header hash to its parent. */
export const ReportOp = z.strictObject({
  type: z.literal('report'),
  shard: ShardPath,
  height: Uint.min(1),
  hash: Hash,
});

export const chainOps = [CutOp, AttestOp, CommitOp, EquivocationOp, EvidenceOp, BranchOp, ReportOp] as const;
