import { z } from 'zod';
import { JobRole } from '../ops/index.ts';
import { RunErrorCode } from '../exec/index.ts';
import { Address, Amount, BlobRef, Hash, JsonValue, TimeMs, Uint } from '../primitives/index.ts';

/** One movement of money out of a request's escrow (or a fee), as it settled. */
export const Payout = z.strictObject({
  to: Address,
  amount: Amount,
  /**
   * reward: a worker's share; fee: the parent admin's; deposit: the evaluator's back (or forfeited
   * to `to`); refund: the client's; challengeFee: a challenge's fee (to its resolver, or back to
   * its challenger) or a blind challenge's reward (to the admins who judged it, or back to the
   * client); bandwidth: the client's bandwidth lock back as the request ends.
   */
  kind: z.enum(['reward', 'fee', 'deposit', 'refund', 'challengeFee', 'bandwidth']),
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
  /** `binaryVersion`: the version of the binaries the registration published, if any. */
  z.strictObject({ ...at, type: z.literal('jobRegistered'), admin: Address, binaryVersion: Uint.optional() }),
  /** A client reserved a worker's work at a price for a period (`until`, block time); `locked`: price × requests. */
  z.strictObject({
    ...at,
    type: z.literal('reserved'),
    reservation: Hash,
    client: Address,
    worker: Address,
    price: Amount,
    requests: Uint,
    until: TimeMs,
    locked: Amount,
  }),
  z.strictObject({ ...at, type: z.literal('reservationAccepted'), reservation: Hash, client: Address, worker: Address }),
  /** The period ended: `refund` (what was locked and not spent) went back to the client. */
  z.strictObject({ ...at, type: z.literal('reservationEnded'), reservation: Hash, client: Address, worker: Address, refund: Amount, accepted: z.boolean() }),
  /** The client sealed its encrypted input's key to one of the request's nodes. */
  z.strictObject({ ...at, type: z.literal('keyShared'), request, client: Address, node: Address }),
  /** The client revealed the test data its request committed to, and it matched. */
  z.strictObject({ ...at, type: z.literal('testDataRevealed'), request, client: Address }),
  /** The admin put a version of the job's programs in force (publishBinaries; registerJob's first is in its schema). */
  z.strictObject({ ...at, type: z.literal('binariesPublished'), admin: Address, version: Uint, repository: z.string(), worker: Hash, evaluator: Hash }),
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
    /** The version of the job's binaries the worker ran. */
    version: Uint.optional(),
  }),
  /** The client turned a worker away while the request ran. */
  z.strictObject({ ...at, type: z.literal('workerRejected'), request, node: Address, client: Address, reason: z.string().optional() }),
  /** Best first; every ranked worker submitted a result. */
  z.strictObject({ ...at, type: z.literal('ranked'), request, evaluator: Address, ranking: z.array(Address) }),
  /** `challenger`: who challenged the ranking, the client or a worker that submitted a result. */
  z.strictObject({ ...at, type: z.literal('challenged'), request, client: Address, evaluator: Address, challenger: Address }),
  /**
   * `payouts`: the challenge fee to the resolver when it rejects the challenge; none when it
   * upholds the client's (the refund returns it); upholding a worker's, the fee back to the worker
   * and the evaluator's deposit forfeited to it. `ranking`: the resolver's corrected ranking, when
   * it upheld a worker's challenge (the request is ranked again by it).
   */
  z.strictObject({
    ...at,
    type: z.literal('challengeResolved'),
    request,
    upheld: z.boolean(),
    evaluator: Address,
    client: Address,
    challenger: Address,
    resolver: Address,
    payouts: z.array(Payout),
    ranking: z.array(Address).optional(),
  }),
  /** A worker's challenges in one job were rejected `rejected` times, a multiple of the genesis's `challengeStrikes`: its reputation drops. */
  z.strictObject({ ...at, type: z.literal('challengerPenalized'), request, node: Address, rejected: Uint }),
  /** The client asked the job's admins outside the evaluator's branch to judge the ranking: `eligible` of them, `quorum` agreeing verdicts decide. */
  z.strictObject({
    ...at,
    type: z.literal('blindChallenged'),
    request,
    client: Address,
    evaluator: Address,
    reward: Amount,
    quorum: Uint,
    eligible: Uint,
  }),
  z.strictObject({ ...at, type: z.literal('blindVerdict'), request, admin: Address, uphold: z.boolean() }),
  /**
   * `outcome`: upheld or rejected by a quorum of verdicts (the reward shared by the admins whose
   * verdict agreed, `agreed`), or lapsed without one by the blind window (the reward back to the client).
   */
  z.strictObject({
    ...at,
    type: z.literal('blindChallengeResolved'),
    request,
    client: Address,
    evaluator: Address,
    outcome: z.enum(['upheld', 'rejected', 'lapsed']),
    agreed: z.array(Address),
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
    reason: z.enum(['noEvaluator', 'noResult', 'noRanking', 'challengeUpheld', 'blindChallengeUpheld']),
    payouts: z.array(Payout),
    latencyMs: Uint,
  }),
]);
export type JobEvent = z.infer<typeof JobEvent>;
export type JobEventType = JobEvent['type'];
