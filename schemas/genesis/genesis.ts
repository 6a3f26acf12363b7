import { z } from 'zod';
import { ShardRules } from '../consensus/index.ts';
import { Address, Amount, ChainId, Hash, ShardPath, TimeMs, Uint } from '../primitives/index.ts';
import { storageBytesMax } from '../storage/index.ts';

/** One account at genesis: spendable balance and bonded stake (a validator when stake > 0). */
export const GenesisAccount = z.strictObject({
  balance: Amount.default('0'),
  stake: Amount.default('0'),
});

/** What a storage provider sells: its price and how many bytes it reserves at once at most (see `offerStorage`). */
export const StorageOffer = z.strictObject({
  /** AIN per GiB (2^30 bytes) per day (86,400,000 ms) of block time. */
  price: Amount,
  bytesMax: Uint.max(storageBytesMax, { message: 'must be at most 2^50 bytes (1 PiB)' }),
});
export type StorageOffer = z.infer<typeof StorageOffer>;

/**
 * The first state of a chain (DESIGN.md, "Blocks" and "Ledger machines"): every node of a chain
 * folds its log from the same genesis, and block 1's prevHash is the genesis hash.
 */
export const Genesis = z.strictObject({
  version: z.literal(1).default(1),
  chain: ChainId,
  shard: ShardPath.default('/'),
  /** Block time before the first block, ms since the epoch. */
  time: TimeMs.default(0),
  /** The genesis key: owns `/` with every right. */
  owner: Address,
  accounts: z.record(Address, GenesisAccount).refine((a) => Object.keys(a).length > 0, { message: 'must list at least one account' }),
  /** Whose `cut` markers close blocks; the first also signs blocks closed by size. */
  proposers: z.array(Address).min(1).max(64),
  block: z.strictObject({
    maxTxs: Uint.min(1).max(100_000).default(10_000),
    maxBytes: Uint.min(1024)
      .max(256 * 1024 * 1024)
      .default(8 * 1024 * 1024),
  }),
  /** How long unstaked AIN stays slashable before it is spendable again, in block time. */
  unbondingMs: Uint.max(365 * 24 * 3600 * 1000).default(7 * 24 * 3600 * 1000),
  /**
   * Windows of the job protocol in block time (absent: defaults in actors/job). Optional without
   * defaults, so genesis files written before the job protocol keep their hash.
   */
  jobs: z
    .strictObject({
      /** After a ranking, how long the client has to accept or challenge before settlement. */
      claimWindowMs: Uint.max(365 * 24 * 3600 * 1000).optional(),
      /** After the time limit, how long the evaluator has to rank. */
      rankWindowMs: Uint.max(365 * 24 * 3600 * 1000).optional(),
      /** How long the parent admin has to resolve a challenge before it lapses (rejected). */
      resolveWindowMs: Uint.max(365 * 24 * 3600 * 1000).optional(),
      /** Challenges a client may raise against one request (blind ones included), and each of its workers may. */
      maxChallenges: Uint.max(16).optional(),
      /** Every this many rejected challenges of one worker in one job, its reputation drops (default 2). */
      challengeStrikes: Uint.min(1).max(1000).optional(),
      /** After a blind challenge, how long the eligible admins have to reach its quorum before it lapses (default 600 s). */
      blindWindowMs: Uint.max(365 * 24 * 3600 * 1000).optional(),
      /** The longest time_limit a request may ask for. */
      maxTimeLimitMs: Uint.max(365 * 24 * 3600 * 1000).optional(),
      /** The Elo K factor of the reputation projection (default 32): every node of the chain rates alike. */
      eloK: z.number().min(0).max(1000).optional(),
    })
    .optional(),
  /**
   * Big Storage providers from the start, by address, with their offers (a provider changes its
   * own with `offerStorage`). Optional without defaults, so older genesis files keep their hash.
   */
  storage: z
    .strictObject({
      providers: z.record(Address, StorageOffer).refine((p) => Object.keys(p).length <= 1024, { message: 'must list at most 1024 providers' }),
    })
    .optional(),
  /**
   * Bandwidth instead of per-tx fees (the white paper's FAQ: "Holding tokens give the node to
   * perform operations in the network"): every address may have `free` txs folded per window of
   * `windowMs` block time, and one more per `ainPerTx` AIN of balance and stake it holds; a
   * request may lock AIN for its agents (`requestJob.bandwidth`). The chain's consensus ops cost
   * none. Optional without defaults, so older genesis files keep their hash (absent: no budget).
   */
  bandwidth: z
    .strictObject({
      windowMs: Uint.min(1000).max(24 * 3600 * 1000),
      free: Uint.max(1_000_000),
      ainPerTx: Amount.refine((a) => a !== '0', { message: 'must be above 0 AIN: it is how much AIN held buys one more tx per window' }),
    })
    .optional(),
  /**
   * A shard's genesis only: the parent's `branch` tx it was derived from (so two branches of one
   * path never share a genesis) and the consensus rules that tx set. Optional without defaults,
   * so a root chain's genesis keeps its hash.
   */
  branch: z.strictObject({ tx: Hash, rules: ShardRules }).optional(),
  /** Initial rules of the state tree by path pattern (the root is `false` unless set here). */
  rules: z.record(z.string(), z.union([z.string().max(4096), z.boolean()])).default({}),
});
export type Genesis = z.infer<typeof Genesis>;
export type GenesisInput = z.input<typeof Genesis>;
