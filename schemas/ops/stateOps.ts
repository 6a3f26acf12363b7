import { z } from 'zod';
import { Address, BlobRef, JsonValue, StatePath } from '../primitives/index.ts';

const ReadConcern = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional();

export const SetValueOp = z.strictObject({
  type: z.literal('set_value'),
  path: StatePath,
  value: JsonValue,
  read_concern: ReadConcern,
});

export const IncValueOp = z.strictObject({
  type: z.literal('inc_value'),
  path: StatePath,
  value: z.number().finite(),
  read_concern: ReadConcern,
});

export const DecValueOp = z.strictObject({
  type: z.literal('dec_value'),
  path: StatePath,
  value: z.number().finite(),
  read_concern: ReadConcern,
});

/** The write rule at a path, as `set_rule` sets it and the state tree keeps it. */
export const RulePayload = z.strictObject({ write: z.union([z.string().max(4096), z.boolean()]) });
export type RulePayload = z.infer<typeof RulePayload>;

export const SetRuleOp = z.strictObject({
  type: z.literal('set_rule'),
  path: StatePath,
  value: z.union([RulePayload, z.null()]),
  read_concern: ReadConcern,
});

/** What one owner (an address, or `*` for anyone) may change below a path. */
export const OwnerRights = z.strictObject({
  write_rule: z.boolean(),
  write_owner: z.boolean(),
  write_function: z.boolean(),
  branch_owner: z.boolean(),
});
export type OwnerRights = z.infer<typeof OwnerRights>;
export type OwnerRight = keyof OwnerRights;

/** The owner config at a path, as `set_owner` sets it and the state tree keeps it. */
export const OwnerPayload = z.strictObject({
  owners: z.record(z.string().regex(/^(\*|0x[0-9a-f]{40})$/, { message: 'must be an address or "*"' }), OwnerRights),
});
export type OwnerPayload = z.infer<typeof OwnerPayload>;

export const SetOwnerOp = z.strictObject({
  type: z.literal('set_owner'),
  path: StatePath,
  value: z.union([OwnerPayload, z.null()]),
  read_concern: ReadConcern,
});

/** A trigger's function: code by content hash in Big Storage, the runtime that runs it, who owns it. */
export const FunctionSpec = z.strictObject({
  runtime: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, { message: 'must be 1-64 characters such as "nodejs", "python3.11" or "docker"' }),
  code: BlobRef,
  owner: Address.optional(),
});
export type FunctionSpec = z.infer<typeof FunctionSpec>;

export const FunctionId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ or -' });

/** The functions at a path pattern, by id, as the state tree keeps them. */
export const FunctionsPayload = z.record(FunctionId, FunctionSpec);
export type FunctionsPayload = z.infer<typeof FunctionsPayload>;

/** `set_function`'s value: each id to its spec, or null to remove it; null alone removes them all. */
export const SetFunctionOp = z.strictObject({
  type: z.literal('set_function'),
  path: StatePath,
  value: z.union([z.record(FunctionId, z.union([FunctionSpec, z.null()])), z.null()]),
  read_concern: ReadConcern,
});

/** The ops a `set` may hold: every state-tree op but `set` itself. */
export const TreeOp = z.discriminatedUnion('type', [SetValueOp, IncValueOp, DecValueOp, SetRuleOp, SetOwnerOp, SetFunctionOp]);
export type TreeOp = z.infer<typeof TreeOp>;

export const SetOp = z.strictObject({
  type: z.literal('set'),
  ops: z.array(TreeOp).min(1).max(256),
  read_concern: ReadConcern,
});

export const stateOps = [SetValueOp, IncValueOp, DecValueOp, SetRuleOp, SetOwnerOp, SetFunctionOp, SetOp] as const;
/** Every op the state tree applies. */
export type StateOp = z.infer<(typeof stateOps)[number]>;
/** Any state-tree op, told apart by `type`: what a function may return for its worker to submit. */
export const StateOp = z.discriminatedUnion('type', [...stateOps]);
