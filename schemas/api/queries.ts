import { z } from 'zod';
import { Address, Hash, ShardPath } from '../primitives/index.ts';

// The query strings of the API's reads: the routes validate with these and the client
// (runtime/client) checks its parameters with them before it asks, so both refuse the same input
// with the same BAD_SCHEMA sentence.

/** Keys of a `GET /v1/state` page at most. */
export const statePageKeysMax = 1000;
/** Heights one `GET /v1/blocks` answers at most. */
export const blocksPerRangeMax = 100;
/** Jobs or requests one list answers at most. */
export const listPageMax = 1000;

/** `GET /v1/state/<path>?limit=&cursor=`: the whole value, or a page of its keys. */
export const StateQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(statePageKeysMax).optional(),
  cursor: z.string().min(1).max(1024).optional(),
});
export type StateQuery = z.infer<typeof StateQuery>;

/** What a state proof proves: the values, or the rules, owner configs or functions at a path. */
export const ProofKind = z.enum(['values', 'rules', 'owners', 'functions']);
export type ProofKind = z.infer<typeof ProofKind>;

/**
 * `GET /v1/proof/<path>?kind=&shard=`: with `shard` (the node's own shard), the proof is chained
 * to the parent: the answer carries the parent's proof of the child header that certifies it.
 */
export const ProofQuery = z.strictObject({ kind: ProofKind.default('values'), shard: ShardPath.optional() });
export type ProofQuery = z.input<typeof ProofQuery>;

/** `GET /v1/blocks?from=&to=` or `?from=&limit=`: at most 100 heights a read. */
export const BlocksQuery = z
  .strictObject({
    from: z.coerce.number().int().min(1),
    to: z.coerce.number().int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(blocksPerRangeMax).optional(),
  })
  .refine((q) => (q.to === undefined) !== (q.limit === undefined), { message: 'give either to or limit' })
  .transform(({ from, to, limit }) => ({ from, to: to ?? from + limit! - 1 }))
  .refine((q) => q.to >= q.from && q.to - q.from < blocksPerRangeMax, {
    message: `to must be at least from, and a range holds at most ${blocksPerRangeMax} blocks`,
  });
export type BlocksQuery = z.input<typeof BlocksQuery>;

/** `GET /v1/blocks/<height>`: a height, or `latest`. */
export const BlockHeight = z.union([z.literal('latest'), z.coerce.number().int().min(1)]).describe('A block height, or `latest`.');

/**
 * What a job can do now, from its dashboard: `open` while requests of it are open, else `ready`
 * when approved evaluators and workers could take a request, else `unstaffed`.
 */
export const JobSchemaState = z.enum(['open', 'ready', 'unstaffed']);
export type JobSchemaState = z.infer<typeof JobSchemaState>;

/** `GET /v1/jobs?limit=&after=&state=`. */
export const JobsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(listPageMax).default(100),
  after: Hash.optional(),
  state: JobSchemaState.optional(),
});
export type JobsQuery = z.input<typeof JobsQuery>;

/** A job request's states, as its machine draws them (actors/job/jobMachine.ts; a test holds the two the same). */
export const RequestState = z.enum(['requested', 'accepted', 'running', 'ranking', 'ranked', 'challenged', 'blindChallenged', 'settled', 'refunded']);
export type RequestState = z.infer<typeof RequestState>;

/** `GET /v1/requests?limit=&after=&job=&client=&state=`. */
export const RequestsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(listPageMax).default(100),
  after: Hash.optional(),
  job: Hash.optional(),
  client: Address.optional(),
  state: RequestState.optional(),
});
export type RequestsQuery = z.input<typeof RequestsQuery>;
