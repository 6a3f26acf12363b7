import { z } from 'zod';
import { Address, ChainId, Hash, ShardPath, TimeMs } from '../primitives/index.ts';
import { Height } from './messages.ts';

/**
 * The largest gossip message, 4 MiB (gossipsub's default frame size): a block bigger than this
 * cannot be gossiped whole. The network transport enforces it; a proposal is built under it.
 */
export const maxGossipBytes = 4 * 1024 * 1024;

/** Room left in a gossip message for the signed proposal around its block (keys, signature, rounds). */
export const proposalEnvelopeBytes = 4 * 1024;

/** The most bytes the JSON of a proposed block may take: it travels in one gossip message. */
export const maxProposedBlockBytes = maxGossipBytes - proposalEnvelopeBytes;

/** The most records a proposed block may carry: the largest `maxTxs` a genesis allows. */
export const maxProposedRecords = 100_000;

/**
 * The most signed bytes a tx in a proposed block may have: the largest `maxTxBytes` a node may be
 * configured with. A validator's own boundary limit is a node setting, not a chain rule, so it
 * does not decide whether a block is valid.
 */
export const maxProposedTxBytes = 1024 * 1024;

/** A record's JSON text holds its signed bytes and `,"sig":"<128 hex>"`; a character is at least a byte. */
const maxRecordChars = maxProposedTxBytes + 256;

/**
 * What validators vote on: the block's place in the chain, its txs (the Merkle root of their
 * hashes) and its records' bytes (of their SHA-256s), its time and proposer, and `lastRoot`, the state root after the previous block (CometBFT's lagged
 * AppHash; the genesis state root for block 1).
 */
export const ProposalHeader = z.strictObject({
  chain: ChainId,
  shard: ShardPath,
  height: Height,
  prevHash: Hash,
  /** RFC 6962 Merkle root of the records' tx hashes, in block order (as the block cutter computes it). */
  txRoot: Hash,
  /** RFC 6962 Merkle root of the SHA-256 of each record's text, in block order: what pins the records' bytes (see BlockHeader). */
  recordsRoot: Hash,
  /** The proposer's clock, in ms: its `cut` marker's time, and the block's time. */
  time: TimeMs,
  proposer: Address,
  lastRoot: Hash,
});
export type ProposalHeader = z.infer<typeof ProposalHeader>;

/**
 * A proposed block: `hash` (what votes name) is the SHA-256 of the canonical JSON of `header`;
 * `records` are the txs' canonical JSON texts in log order, each appended to the log byte for
 * byte once the block is decided: first the proposer's `commit` of the previous block's
 * certificate (from height 2), then txs from its mempool, last its `cut` for this height. On the
 * wire a proposal names each mempool tx by the SHA-256 of its record instead (a compact block,
 * runtime/consensus/compactBlocks.ts); a validator judges the block filled in.
 */
export const ProposedBlock = z.strictObject({
  hash: Hash,
  header: ProposalHeader,
  records: z.array(z.string().min(1).max(maxRecordChars)).min(1).max(maxProposedRecords),
});
export type ProposedBlock = z.infer<typeof ProposedBlock>;
