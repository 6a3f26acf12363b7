import { z } from 'zod';
import { BlockHeader } from '../block/index.ts';
import { Certificate, Evidence, maxValidators, RulesProof, ShardRules, ShardValidators } from '../consensus/index.ts';
import { Address, ChainId, Hash, PublicKeyHex, ShardPath, SignatureHex, TimeMs, Uint } from '../primitives/index.ts';

/** Time-to-cut marker: closes block `height` at the marker's position in the log. */
export const CutOp = z.strictObject({ type: z.literal('cut'), height: Uint.min(1) });

/**
 * A validator's signature (the tx's own) on a block header hash of the chain of genesis hash
 * `genesis`. A tx names its chain by id and shard path only, which a shard branched again at one
 * path shares with the closed one; the genesis keeps one incarnation's attestations from counting
 * (or being evidence) on another.
 */
export const AttestOp = z.strictObject({
  type: z.literal('attest'),
  height: Uint.min(1),
  hash: Hash,
  genesis: Hash,
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
export type SignedAttest = z.infer<typeof SignedAttest>;

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

/**
 * Creates a child chain (a shard) for the subtree at `path`, with its own validators and consensus
 * rules: signed on the parent by an owner with `branch_owner` at `path`. From then on the parent
 * refuses state ops under `path` (`SHARDED_PATH`); the child's genesis is derived from this tx
 * alone (actors/ledger `shardGenesisOf`).
 */
export const BranchOp = z.strictObject({
  type: z.literal('branch'),
  path: ShardPath,
  validators: ShardValidators,
  rules: ShardRules,
});

/**
 * A signed `attest` tx as a report carries it: without its op's `genesis`, which the parent knows
 * (the shard's) and puts back to check the signature (`signedAttestOf`). So an attestation of
 * another incarnation of the path does not verify, and a report of a block with a rules change
 * and its attestations still fits the default 4 KiB tx.
 */
export const ReportedAttest = SignedAttest.extend({ op: AttestOp.omit({ genesis: true }) });
export type ReportedAttest = z.infer<typeof ReportedAttest>;

/** An attestation as a report carries it (see ReportedAttest). */
export function reportedAttestOf({ op, ...attest }: SignedAttest): ReportedAttest {
  const { genesis: _genesis, ...reported } = op;
  return { ...attest, op: reported };
}

/** The attest tx a reported attestation's validator signed, for the chain of genesis hash `genesis`. */
export function signedAttestOf({ op, ...attest }: ReportedAttest, genesis: string): SignedAttest {
  return { ...attest, op: { ...op, genesis } };
}

/**
 * What proves a child block on a shard that runs on Kafka, where Kafka orders the log and the
 * validators attest the blocks every node cuts: the `attest` txs of more than 2/3 of the stake
 * that may attest it (the set after the block), each signed for the child's chain and shard (and
 * genesis, left out here: see ReportedAttest) over the sealed header's hash. One per validator, in
 * ascending address order.
 */
export const AttestCertificate = z
  .strictObject({ attestations: z.array(ReportedAttest).min(1).max(maxValidators) })
  .refine((c) => c.attestations.every((a) => a.op.height === c.attestations[0]!.op.height && a.op.hash === c.attestations[0]!.op.hash), {
    message: 'every attestation must be for one height and hash',
    path: ['attestations'],
  })
  .refine((c) => c.attestations.every((a, i) => i === 0 || c.attestations[i - 1]!.from < a.from), {
    message: 'the attestations must be in strictly ascending order of address (one per validator)',
    path: ['attestations'],
  });
export type AttestCertificate = z.infer<typeof AttestCertificate>;

/** A reported child block's proof: a commit certificate (a peer-to-peer child) or attestations (a child on Kafka). */
export const ShardCertificate = z.union([Certificate, AttestCertificate]);
export type ShardCertificate = z.infer<typeof ShardCertificate>;

/** Whether a reported block's proof is the attestations of a child on Kafka. */
export const isAttestCertificate = (certificate: ShardCertificate): certificate is AttestCertificate => 'attestations' in certificate;

/**
 * A child block's header as reported to its parent: the sealed header and `lastRoot`, the state
 * root before the block, which its proposal named. With it the parent computes the proposal hash
 * (`proposalHashOf`) that the child's validators precommitted, and so checks the certificate.
 */
export const ShardHeader = BlockHeader.extend({ lastRoot: Hash });
export type ShardHeader = z.infer<typeof ShardHeader>;

/**
 * One reported child block: its header and the commit certificate that decided it on the child,
 * and, when the block before it changed the shard's rules (`shardRules`), the new record with its
 * proof against this header's `lastRoot`.
 */
export const ReportedBlock = z.strictObject({ header: ShardHeader, certificate: ShardCertificate, rules: RulesProof.optional() });
export type ReportedBlock = z.infer<typeof ReportedBlock>;

/** Headers one `report` may carry (its first and `next`), each with its certificate. */
export const reportBlocksMax = 32;

/**
 * A child validator reports the child's blocks to the parent: `header` with its `certificate`
 * (more than 2/3 of the child's stake precommitted it), then optionally the blocks right after it
 * in `next`, in height order.
 */
export const ReportOp = z.strictObject({
  type: z.literal('report'),
  shard: ShardPath,
  header: ShardHeader,
  certificate: ShardCertificate,
  rules: RulesProof.optional(),
  next: z
    .array(ReportedBlock)
    .min(1)
    .max(reportBlocksMax - 1)
    .optional(),
});

/**
 * On a shard's own chain: changes its consensus rules (block interval, timeouts, report period)
 * and its validators, by a signer the child's owner config at `/` gives `write_rule`. In force
 * from two blocks after the tx's; the parent learns of it from the reports (actors/shard).
 */
export const ShardRulesOp = z
  .strictObject({ type: z.literal('shardRules'), rules: ShardRules.optional(), validators: ShardValidators.optional() })
  .refine((op) => op.rules !== undefined || op.validators !== undefined, { message: 'must change rules, validators or both' });

/** A shard's owners end it: the parent takes no more reports of it, and its path is the parent's again. */
export const CloseShardOp = z.strictObject({ type: z.literal('closeShard'), shard: ShardPath });

export const chainOps = [CutOp, AttestOp, CommitOp, EquivocationOp, EvidenceOp, BranchOp, ReportOp, CloseShardOp, ShardRulesOp] as const;
