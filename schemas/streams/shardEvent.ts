import { z } from 'zod';
import { ShardRules, ShardValidator } from '../consensus/index.ts';
import { Address, Hash, ShardPath, TimeMs, Uint } from '../primitives/index.ts';

/** The parent block an event happened in, and the shard (its path). */
const at = { time: TimeMs, height: Uint, shard: ShardPath };

/**
 * What the parent's ShardMachines did, as data (actors/shard): emitted in block order for every
 * `branch`, `report` and `closeShard` that was `ok` (a report that proved a change of the child's rules adds `rules`) and for every shard whose report period passed
 * in block time. `time` and `height` are the parent block's; child heights are named `child…`.
 */
export const ShardEvent = z.discriminatedUnion('type', [
  /** `genesis`: the child chain's genesis hash (derived from the branch tx alone); `tx`: that tx. */
  z.strictObject({ ...at, type: z.literal('branched'), by: Address, tx: Hash, genesis: Hash, validators: z.array(ShardValidator) }),
  /** The child blocks `childFrom`…`childTo` were recorded (or the last one restated); `hash` is block `childTo`'s. */
  z.strictObject({ ...at, type: z.literal('reported'), by: Address, childFrom: Uint.min(1), childTo: Uint.min(1), hash: Hash }),
  /** No report came within the report period: the last reported child height is `childHeight`. */
  z.strictObject({ ...at, type: z.literal('stalled'), childHeight: Uint }),
  /** Two different certified proposals for child height `childHeight`: the recorded one and the reported one. */
  z.strictObject({ ...at, type: z.literal('forked'), by: Address, childHeight: Uint.min(1), recorded: Hash, reported: Hash }),
  z.strictObject({ ...at, type: z.literal('ended'), by: Address }),
  /** A report proved version `version` of the child's rules (a `shardRules` tx there): the shard's validators and rules from child height `childFrom`. */
  z.strictObject({
    ...at,
    type: z.literal('rules'),
    by: Address,
    version: Uint.min(1),
    childFrom: Uint.min(1),
    validators: z.array(ShardValidator),
    rules: ShardRules,
  }),
]);
export type ShardEvent = z.infer<typeof ShardEvent>;
export type ShardEventType = ShardEvent['type'];
