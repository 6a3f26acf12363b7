import { z } from 'zod';
import { JobRole } from '../ops/index.ts';
import { RunErrorCode } from '../exec/index.ts';
import { Address, Amount, BlobRef, Hash, JsonValue, TimeMs, Uint } from '../primitives/index.ts';

/** One movement of money out of a request's escrow (or a fee), as it settled. */
export const Payout = z.strictObject({
  to: Address,
  amount: Amount,
  /** reward: a worker's share; fee: the parent admin's; deposit: the evaluator's back (or forfeited to `to`); refund: the client's. */
  kind: z.enum(['reward', 'fee', 'deposit', 'refund', 'challengeFee']),
});
export type Payout = z.infer<typeof Payout>;

/** The block an event happened in, and the job (the hash of its registerJob tx). */
const at = { time: TimeMs, height: Uint, job: Hash };
const request = Hash;

/**
 * What the job protocol did, as data: the ledger fold (actors/job) emits these in block order for
 * every job op that was `ok` and for every deadline block time passed; the reputation and
 * dashboard projections fold them and the `jobs` and `nodes` streams carry them. `time` and
 * `height` are the block's; amounts are decimal strings of whole AIN.
 */
export const JobEvent = z.discriminatedUnion('type', [
  z.strictObject({ ...at, type: z.literal('jobRegistered'), admin: Address }),
  /** `testResult`: the applicant's answer to the schema's test data, for its admin to check. */
  z.strictObject({ ...at, type: z.literal('nodeApplied'), node: Address, role: JobRole, testResult: JsonValue.optional() }),
  /** `parent` is the approving admin: the node's parent in the reputation tree (RTree). */
  z.strictObject({ ...at, type: z.literal('nodeApproved'), node: Address, role: JobRole, parent: Address }),
  z.strictObject({ ...at, type: z.literal('nodeDropped'), node: Address, role: JobRole, by: Address }),
  z.strictObject({ ...at, type: z.literal('requested'), request, client: Address, reward: Amount }),
  z.strictObject({ ...at, type: z.literal('accepted'), request, node: Address, role: z.enum(['evaluator', 'worker']) }),
  /**
   * `responseMs`: block time from the worker's acceptJob to its submitResult. `failure`: the code of
   * a run that gave no result (never ranked, unpaid at settlement); `log`: the blob of its run's log.
   */
  z.strictObject({
    ...at,
    type: z.literal('submitted'),
    request,
    node: Address,
    responseMs: Uint,
    failure: RunErrorCode.optional(),
    log: BlobRef.optional(),
  }),
  /** The client turned a worker away while the request ran. */
  z.strictObject({ ...at, type: z.literal('workerRejected'), request, node: Address, client: Address, reason: z.string().optional() }),
  /** Best first; every ranked worker submitted a result. */
  z.strictObject({ ...at, type: z.literal('ranked'), request, evaluator: Address, ranking: z.array(Address) }),
  z.strictObject({ ...at, type: z.literal('challenged'), request, client: Address, evaluator: Address }),
  /** `payouts`: the challenge fee to the resolver when it rejects the challenge (none when it upholds it). */
  z.strictObject({
    ...at,
    type: z.literal('challengeResolved'),
    request,
    upheld: z.boolean(),
    evaluator: Address,
    client: Address,
    resolver: Address,
    payouts: z.array(Payout),
  }),
  /** `latencyMs`: block time from requestJob to settlement. Workers who submitted but got nothing are `unpaid`. */
  z.strictObject({
    ...at,
    type: z.literal('settled'),
    request,
    client: Address,
    evaluator: Address.nullable(),
    payouts: z.array(Payout),
    latencyMs: Uint,
    unpaid: z.array(Address),
  }),
  z.strictObject({
    ...at,
    type: z.literal('refunded'),
    request,
    client: Address,
    evaluator: Address.nullable(),
    reason: z.enum(['noEvaluator', 'noResult', 'noRanking', 'challengeUpheld']),
    payouts: z.array(Payout),
    latencyMs: Uint,
  }),
]);
export type JobEvent = z.infer<typeof JobEvent>;
export type JobEventType = JobEvent['type'];
