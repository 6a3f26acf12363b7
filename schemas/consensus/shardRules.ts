import { z } from 'zod';
import { Address, Uint } from '../primitives/index.ts';
import { VotingPower } from './validatorSet.ts';

const dayMs = 24 * 3600 * 1000;

/** A bounded span of time in ms, with its bounds in the message a submitter reads. */
const spanMs = (min: number, max: number) => Uint.min(min, { message: `must be at least ${min} ms` }).max(max, { message: `must be at most ${max} ms` });

/**
 * The consensus rules a `branch` gives its child chain (the architecture paper: "each shard … has
 * the freedom to configure its own consensus rules"): how often it cuts a block, its round
 * timeouts (each round adds `roundDeltaMs` to every step's, CometBFT's rule), its block limits, and
 * how much parent block time may pass between two of its reports before the parent counts it as
 * stalled. A report period shorter than a block interval could never be met, so it is refused.
 * @example ShardRules.parse({ blockIntervalMs: 1000, reportPeriodMs: 60_000, timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 } })
 */
export const ShardRules = z
  .strictObject({
    blockIntervalMs: spanMs(10, 3_600_000),
    reportPeriodMs: spanMs(1000, 30 * dayMs),
    timeouts: z.strictObject({
      proposeMs: spanMs(10, 600_000),
      prevoteMs: spanMs(10, 600_000),
      precommitMs: spanMs(10, 600_000),
      roundDeltaMs: spanMs(0, 600_000),
    }),
    maxTxs: Uint.min(1).max(100_000).optional(),
    maxBytes: Uint.min(1024)
      .max(256 * 1024 * 1024)
      .optional(),
  })
  .refine((r) => r.reportPeriodMs >= r.blockIntervalMs, {
    message: 'must be at least blockIntervalMs: a shard reports at most once a block',
    path: ['reportPeriodMs'],
  });
export type ShardRules = z.infer<typeof ShardRules>;

/** The most validators a shard may have: its genesis lists each as a proposer, and a genesis takes 64. */
export const shardValidatorsMax = 64;

/** A child chain's validator and its stake there (voting power on the child, not AIN of the parent). */
export const ShardValidator = z.strictObject({ address: Address, stake: VotingPower });
export type ShardValidator = z.infer<typeof ShardValidator>;

/** A shard's validators, each once; the first signs blocks its chain closes by size. */
export const ShardValidators = z
  .array(ShardValidator)
  .min(1)
  .max(shardValidatorsMax)
  .refine((list) => new Set(list.map((v) => v.address)).size === list.length, { message: 'must not list a validator twice' });
