import { z } from 'zod';
import { Address, ChainId, Hash, PublicKeyHex, ShardPath, SignatureHex, Uint } from '../primitives/index.ts';

/**
 * The highest round a consensus message may name. Timeouts grow with every round, so an honest
 * network never gets near it; the bound keeps a peer from making a node compute the proposer of
 * a round billions of steps away.
 */
export const maxRound = 65_535;

/** The most validators one set may hold, and so the most votes one certificate carries. */
export const maxValidators = 1024;

export const Height = Uint.min(1);
export const Round = z.number().int().min(0).max(maxRound);
/** A proposal's valid round, or a lock's round: `-1` for none. */
export const RoundOrNone = z.number().int().min(-1).max(maxRound);

export const VoteKind = z.enum(['prevote', 'precommit']);
export type VoteKind = z.infer<typeof VoteKind>;

const voteShape = {
  chain: ChainId,
  shard: ShardPath,
  height: Height,
  round: Round,
  kind: VoteKind,
  /** The block hash voted for, or `null` for nil. */
  hash: Hash.nullable(),
  from: Address,
  pub: PublicKeyHex,
};

/** The fields of a vote its signature covers (with the chain's genesis hash: log/crypto `consensusSignedBytesOf`). */
export const UnsignedVote = z.strictObject(voteShape);
export type UnsignedVote = z.infer<typeof UnsignedVote>;

/** A libp2p peer id as text: base58btc (`12D3KooW…`, `Qm…`) or a CIDv1 in base32 (`b…`). */
export const PeerIdText = z.string().regex(/^(?:[1-9A-HJ-NP-Za-km-z]{40,100}|b[a-z2-7]{50,100})$/, { error: 'must be a libp2p peer id' });

/**
 * A node's word, signed by its key, that it is the libp2p peer `peerId` on this chain and shard:
 * what a node answers in `status`, so that its peers know which validator a peer is (its signature
 * covers the RFC 8785 JSON of the claim without `sig`, with the chain's genesis hash as `genesis`,
 * as a vote's does; its keys are no vote's, proposal's or tx's).
 */
export const PeerClaim = z.strictObject({ chain: ChainId, shard: ShardPath, peerId: PeerIdText, from: Address, pub: PublicKeyHex, sig: SignatureHex });
export type PeerClaim = z.infer<typeof PeerClaim>;
export type UnsignedPeerClaim = Omit<PeerClaim, 'sig'>;

/**
 * A validator's prevote or precommit (CometBFT's Algorithm 1), signed like a tx (RFC 8785 JSON
 * without `sig`) with the chain's genesis hash added to the signed bytes (`consensusSignedBytesOf`).
 */
export const Vote = z.strictObject({ ...voteShape, sig: SignatureHex });
export type Vote = z.infer<typeof Vote>;

/**
 * The block a proposal carries. Consensus only needs its hash (what votes name); what else it
 * holds (header, records) is the runtime's, which checks it before telling consensus it is valid.
 */
export const ProposalBlock = z.looseObject({ hash: Hash });
export type ProposalBlock = z.infer<typeof ProposalBlock>;

const proposalShape = {
  chain: ChainId,
  shard: ShardPath,
  height: Height,
  round: Round,
  /** The round of the polka the proposer saw for this block, or `-1`; always below `round`. */
  validRound: RoundOrNone,
  block: ProposalBlock,
  proposer: Address,
  pub: PublicKeyHex,
};

const validRoundBelowRound = (p: { round: number; validRound: number }) => p.validRound < p.round;
const validRoundMessage = { message: 'validRound must be -1 or below round', path: ['validRound'] };

/** The fields of a proposal its signature covers (with the chain's genesis hash, as a vote's). */
export const UnsignedProposal = z.strictObject(proposalShape).refine(validRoundBelowRound, validRoundMessage);
export type UnsignedProposal = z.infer<typeof UnsignedProposal>;

/** The proposer of (height, round) proposes a block. */
export const Proposal = z.strictObject({ ...proposalShape, sig: SignatureHex }).refine(validRoundBelowRound, validRoundMessage);
export type Proposal = z.infer<typeof Proposal>;

/** Where two votes are for one (chain, shard, height, round, kind) by one validator. */
const sameSlot = (a: Vote, b: Vote) =>
  a.chain === b.chain && a.shard === b.shard && a.height === b.height && a.round === b.round && a.kind === b.kind && a.from === b.from;

/** Nil sorts first, then hashes as strings: the order that makes one offence one evidence. */
export function compareVoteHashes(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/**
 * Two signed votes of one validator for the same (height, round, kind) with different hashes:
 * equivocation. Votes for one height in different rounds are not evidence: an honest validator
 * precommits nil in one round and a block in the next. `a` holds the smaller hash (nil first),
 * so every node that sees one offence writes the same evidence.
 */
export const Evidence = z
  .strictObject({ a: Vote, b: Vote })
  .refine(({ a, b }) => sameSlot(a, b), { message: 'both votes must be by one validator for one chain, shard, height, round and kind' })
  .refine(({ a, b }) => compareVoteHashes(a.hash, b.hash) < 0, {
    message: 'the votes must name different hashes, the smaller (nil first) in a',
  });
export type Evidence = z.infer<typeof Evidence>;

/**
 * A commit certificate: the precommits for `hash` in `round` that decided block `height`, one per
 * validator, in ascending order of address. Whether they carry more than 2/3 of the stake is
 * checked against the validator set of that height.
 */
export const Certificate = z
  .strictObject({
    height: Height,
    round: Round,
    hash: Hash,
    votes: z.array(Vote).min(1).max(maxValidators),
  })
  .refine((c) => c.votes.every((v) => v.kind === 'precommit' && v.height === c.height && v.round === c.round && v.hash === c.hash), {
    message: 'every vote must be a precommit for the certificate’s height, round and hash',
    path: ['votes'],
  })
  .refine((c) => c.votes.every((v, i) => i === 0 || c.votes[i - 1]!.from < v.from), {
    message: 'the votes must be in strictly ascending order of address (one per validator)',
    path: ['votes'],
  });
export type Certificate = z.infer<typeof Certificate>;
