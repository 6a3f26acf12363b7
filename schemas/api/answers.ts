import { z } from 'zod';
import { BlockHeader } from '../block/index.ts';
import { ValidatorSet } from '../consensus/index.ts';
import { ShardHeader } from '../ops/index.ts';
import { Address, Amount, Hash, JsonValue, StatePath, Uint } from '../primitives/index.ts';
import { ProofKind } from './queries.ts';

// The answers of the API's plain reads. The routes name them as their response (so /openapi.json
// describes them) and the client (runtime/client) types what it reads with them.

/** `GET /v1/status`: the node, its chain and where it stands. */
export const StatusAnswer = z.looseObject({
  chain: z.string(),
  shard: z.string(),
  address: Address,
  /** The genesis hash. */
  genesis: Hash,
  lastOffset: z.number().int(),
  maxTxBytes: Uint,
  height: Uint,
  finalized: Uint,
  caughtUp: z.boolean(),
  /** The height of the snapshot the node started from (0: it replayed the whole log). */
  restoredFrom: Uint,
});
export type StatusAnswer = z.infer<typeof StatusAnswer>;

/**
 * What keeps a node that answers from doing its work, as `GET /v1/health` lists it: its Kafka
 * brokers unreachable, no block decided at its height for a while (and whose votes it lacks),
 * its blocks not final for a while (and whose attestations they lack), its validator key slashed.
 */
export const HealthProblemCode = z.enum([
  'LOG_UNAVAILABLE',
  'CONSENSUS_STALLED',
  'FINALITY_STALLED',
  'VALIDATOR_SLASHED',
  'VALIDATORS_UNREACHABLE',
  'VALIDATOR_KEY_SHARED',
  'GENESIS_MISMATCH',
]);
export type HealthProblemCode = z.infer<typeof HealthProblemCode>;
export const HealthProblem = z.object({
  code: HealthProblemCode,
  message: z.string(),
  /** Since when (ms since the epoch, the node's clock), where known. */
  since: Uint.optional(),
  /**
   * The validators not heard from (CONSENSUS_STALLED: none of their proposals or votes lately, or
   * their nodes do not answer; FINALITY_STALLED: no attestation of the first block not final;
   * VALIDATORS_UNREACHABLE: their nodes answered this one before, and not lately;
   * VALIDATOR_KEY_SHARED: the validators two nodes or more run).
   */
  missing: z.array(z.string()).optional(),
  /** Peer ids (VALIDATORS_UNREACHABLE: bootstrap peers that do not answer; VALIDATOR_KEY_SHARED: the nodes answering as one key; GENESIS_MISMATCH: the peers on another genesis). */
  peers: z.array(z.string()).optional(),
});
export type HealthProblem = z.infer<typeof HealthProblem>;

/**
 * `GET /v1/health`: that the node answers (`ok`, always true: a node that cannot answer sends
 * nothing), its height and final height, its signature verifier, and what keeps it from its work
 * now (`problems`, empty when nothing does).
 */
export const HealthAnswer = z.object({
  ok: z.literal(true),
  height: Uint,
  finalized: Uint,
  verifier: z.string(),
  problems: z.array(HealthProblem).default([]),
});
export type HealthAnswer = z.infer<typeof HealthAnswer>;

/**
 * `GET /v1/net`: this node on the peer-to-peer network (its peer id, the addresses it listens
 * on, the peers connected), the validators of the current set, and where its consensus stands
 * on a node of a network of validators (each keeping its own log; a follower's too, which
 * votes in nothing); a child chain's validator adds how its reports to the parent chain go.
 */
export const NetAnswer = z.looseObject({
  peerId: z.string(),
  addresses: z.array(z.string()),
  peers: z.array(z.string()),
  /**
   * Each validator of the current set with its stake (decimal AIN) and, once its node answered
   * this one with its signed claim, its peer id, whether it answered in the last 10 s, and when it
   * last did (ms since the epoch, this node's clock).
   */
  validators: z.array(
    z.object({ address: Address, stake: Amount, peerId: z.string().optional(), reachable: z.boolean().optional(), answeredAt: Uint.optional() }),
  ),
  /** The last block this node holds. */
  height: Uint,
  consensus: z
    .object({
      /** The height being decided (0: none started yet, e.g. an idle chain since this node started). */
      height: Uint,
      round: Uint,
      step: z.enum(['propose', 'prevote', 'precommit', 'commit']),
      /** The set deciding `height`, with the proposer priorities, or null before a height started. */
      validators: ValidatorSet.nullable(),
      /** The last decision this node saw: its height, round and block hash. */
      lastCommit: z.object({ height: Uint, round: Uint, hash: Hash }).nullable(),
    })
    .optional(),
  /** A child chain's validator: the parent node asked last, the heights recorded there, the last problem and failures in a row. */
  reporting: z.object({ parent: z.string(), reported: Uint, reportedHere: Uint, problem: z.string().nullable(), failures: Uint }).optional(),
});
export type NetAnswer = z.infer<typeof NetAnswer>;

/** `GET /v1/accounts/<address>`: balance, stake and unbonding (decimal strings of AIN), nonce, slashing. */
export const AccountAnswer = z.object({
  address: Address,
  balance: Amount,
  stake: Amount,
  unbonding: Amount,
  nonce: Uint,
  /** Whether the account's stake was slashed (for equivocation). */
  slashed: z.boolean(),
  height: Uint,
  /**
   * On a chain with bandwidth budgets: the txs it may have folded per window, what it used of the
   * window the node's clock is in, the window's length and when it refills (ms since the epoch).
   */
  bandwidth: z.object({ budget: Uint, used: Uint, windowMs: Uint, refillsAt: Uint }).optional(),
});
export type AccountAnswer = z.infer<typeof AccountAnswer>;

/** `GET /v1/state/<path>`: the value at a path as of `height`; a page (`?limit=`) has `next`, the cursor of the next one or null. */
export const StateAnswer = z.object({ path: StatePath, value: JsonValue, height: Uint, next: z.string().nullable().optional() });
export type StateAnswer = z.infer<typeof StateAnswer>;

/**
 * `GET /v1/proof/<path>`: a value (or rule, owner config, functions) with its Merkle proof and
 * the final header it checks against (projections' `verifyProof` checks it).
 */
export const ProofAnswer = z.object({
  path: StatePath,
  kind: ProofKind,
  value: JsonValue,
  proof: z.unknown().describe('The Merkle proof: the path’s levels from the value up to the header’s stateRoot.'),
  height: Uint,
  hash: Hash,
  header: BlockHeader,
  /**
   * With `?shard=`: the chain to the parent. The child's state root after block `height` is
   * certified by block `height + 1` (its `lastRoot`, in the proposal its validators precommitted);
   * the parent keeps that block's proposal hash at `record.path`, proven against a final parent header.
   */
  parent: z
    .object({
      /** The parent node that gave the record's proof. */
      url: z.string(),
      /** The shard's genesis hash, which keys its records on the parent. */
      genesis: Hash,
      /** The child header of block `height + 1`. */
      next: ShardHeader,
      /** The parent's proof answer for `/consensus/shards/<genesis>/<height + 1>`. */
      record: z.object({ path: StatePath, value: JsonValue, proof: z.unknown(), height: Uint, hash: Hash, header: BlockHeader }),
    })
    .optional(),
});
export type ProofAnswer = z.infer<typeof ProofAnswer>;
