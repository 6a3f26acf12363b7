import { z } from 'zod';
import { Address, Hash, Uint } from '../primitives/index.ts';
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

/** The most rule changes a shard's own chain keeps track of in one record: its version only counts up. */
const versionMax = 2 ** 31;

/**
 * A shard's rules and validators as its own chain holds them at `/consensus/rules` once a
 * `shardRules` tx changed them: version `version` (the branch's is 0), in force from child height
 * `from` (two blocks after the tx's, so that the block between names the record in its `lastRoot`
 * and the parent can check it before the first block the new set signs). The state tree holds no
 * arrays: validators are listed under `"0"`, `"1"`, … in their order.
 * @example ShardRulesRecord.parse({ version: 1, from: 12, rules, validators: { 0: { address, stake: '1' } } })
 */
const rulesRecordFields = {
  version: Uint.min(1).max(versionMax),
  from: Uint.min(1),
  rules: ShardRules,
  validators: z
    .record(z.string().regex(/^(?:0|[1-9]\d?)$/, { message: 'must be an index 0-99' }), ShardValidator)
    .refine((byIndex) => Object.keys(byIndex).length > 0 && Object.keys(byIndex).length <= shardValidatorsMax, {
      message: `must list 1 to ${shardValidatorsMax} validators`,
    })
    .refine((byIndex) => Object.keys(byIndex).every((label, _, all) => Number(label) < all.length), { message: 'must be indexed 0, 1, … without a gap' })
    .refine((byIndex) => new Set(Object.values(byIndex).map((v) => v.address)).size === Object.keys(byIndex).length, {
      message: 'must not list a validator twice',
    }),
};

/** A record as it stands alone (the `prior` of another). */
export const ShardRulesVersion = z.strictObject(rulesRecordFields);
export type ShardRulesVersion = z.infer<typeof ShardRulesVersion>;

/**
 * The record itself: with `prior`, the version it replaced before that one was in force (only a
 * slashing writes a record while another waits, one block from its height): both hold, each from
 * its `from`.
 */
export const ShardRulesRecord = z.strictObject({ ...rulesRecordFields, prior: ShardRulesVersion.optional() });
export type ShardRulesRecord = z.infer<typeof ShardRulesRecord>;

/** A record's validators in their order. */
export const validatorsOfRecord = (record: Pick<ShardRulesRecord, 'validators'>): ShardValidator[] =>
  Object.keys(record.validators)
    .map(Number)
    .sort((a, b) => a - b)
    .map((index) => record.validators[String(index)]!);

/** Validators as a record holds them. */
export const recordValidators = (validators: readonly ShardValidator[]): Record<string, ShardValidator> =>
  Object.fromEntries(validators.map((v, index) => [String(index), { address: v.address, stake: v.stake }]));

/** Where a shard's own chain keeps its rules record. */
export const shardRulesPath = '/consensus/rules';

/** One level of a Merkle proof of the state tree (projections/state `ProofLevel`), bounded. */
const ProofLevelShape = z.strictObject({
  payload: z.unknown().optional(),
  siblings: z.array(z.tuple([z.string().min(1).max(256), Hash])).max(16),
  groups: z.array(z.array(Hash.nullable()).length(16)).max(16).optional(),
});

/**
 * A shard's rules record with the Merkle proof that the child's state held it at
 * `/consensus/rules` under the `lastRoot` of the reported block it comes with: how the parent
 * learns of a `shardRules` change (actors/shard `applyReport`).
 */
export const RulesProof = z.strictObject({
  record: ShardRulesRecord,
  proof: z.strictObject({
    path: z.literal(shardRulesPath),
    kind: z.literal('values').optional(),
    levels: z.array(ProofLevelShape).min(1).max(64),
    end: ProofLevelShape.optional(),
  }),
});
export type RulesProof = z.infer<typeof RulesProof>;
