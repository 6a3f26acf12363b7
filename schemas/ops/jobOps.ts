import { z } from 'zod';
import { RunErrorCode } from '../exec/index.ts';
import { Address, Amount, BlobRef, Hash, JsonValue, PublicKeyHex, SignatureHex, Uint } from '../primitives/index.ts';

/**
 * The job protocol of the architecture paper (§2.2.3), with the paper's parameter names.
 * Ids: a job id and a request id are the hash of the tx that registered / requested it.
 */
const JobId = Hash;
const RequestId = Hash;
/** Schema text, binaries and inputs either inline (small) or in Big Storage. */
const Payload = z.union([BlobRef, JsonValue]);
/** What a node applies or is approved for in a job. */
export const JobRole = z.enum(['admin', 'evaluator', 'worker']);
export type JobRole = z.infer<typeof JobRole>;

export const Requirements = z.strictObject({
  cpu: Uint.max(1024).optional(),
  memory_mb: Uint.optional(),
  gpu: Uint.max(64).optional(),
  storage_mb: Uint.optional(),
});

/**
 * What an admin tests applicants with (the paper: "an admin node evaluates whether it can truly run
 * the provided functionality using test data"), shaped as the evaluator's input: a request for
 * workers to answer and, for evaluators, replies to rank.
 */
export const TestData = z.strictObject({
  request: JsonValue,
  workers: z
    .array(z.strictObject({ node: z.string().min(1).max(64), response: JsonValue }))
    .max(16)
    .optional(),
});

/**
 * The programs a job's workers and evaluators run, as its admin publishes them (the papers: "a
 * job schema must include a public code repository URL … built … with signing"; the Binary
 * Manager authenticates, deploys and updates binaries): where their source is, the version, the
 * program hash of each (`programHashOf`: SHA-256 of the canonical JSON of its command, arguments
 * and the SHA-256 of each file), and the admin's Ed25519 signature over them (`signBinaries`), so a
 * worker can check what it runs against what the admin signed, on the chain or off it.
 */
export const Binaries = z.strictObject({
  repository: z
    .string()
    .max(512)
    .regex(/^(https?:\/\/|ssh:\/\/|git@|file:\/\/)[^\s]+$/, {
      message: 'must be a code repository URL: https://…, ssh://…, git@host:path or file://…, without spaces, at most 512 characters',
    }),
  version: Uint.min(1, { message: 'must be a whole number from 1' }),
  worker: Hash,
  evaluator: Hash,
  /** The signer's raw Ed25519 public key: its address must be the job's admin. */
  pub: PublicKeyHex,
  /** Over the RFC 8785 JSON of `{ kind: "binaries", chain, repository, version, worker, evaluator, pub }`. */
  sig: SignatureHex,
});
export type Binaries = z.infer<typeof Binaries>;

export const RegisterJobOp = z.strictObject({
  type: z.literal('registerJob'),
  /** proto3 text of the job schema, or a blob holding it. */
  job_specification: z.union([BlobRef, z.string().min(1).max(3072)]),
  worker: BlobRef.optional(),
  evaluator: BlobRef.optional(),
  requirements: Requirements.optional(),
  fee: Amount.optional(),
  challenge_fee: Amount.optional(),
  /** Rate limits of approvals and drops, per `window_ms` of block time. */
  max_approvals: Uint.optional(),
  max_drops: Uint.optional(),
  window_ms: Uint.optional(),
  test_data: TestData.optional(),
  /** The programs' repository, hashes and the admin's signature: workers run only what matches. */
  binaries: Binaries.optional(),
});

/**
 * Preemptive buying (the white paper's FAQ: "reserve usage of services from a specific resource
 * provider at a fixed AIN price for a fixed period"): a client locks `price` × `requests` AIN for
 * `worker`'s work on `job_id` for `period_ms` of block time; once the worker accepts
 * (`acceptReservation`), each request naming the reservation in that period goes to that worker
 * at that price. What is not spent when the period ends goes back to the client.
 */
export const ReserveWorkerOp = z.strictObject({
  type: z.literal('reserveWorker'),
  job_id: JobId,
  worker: Address,
  /** The workers' pool of each request: what the worker is paid for one. */
  price: Amount,
  period_ms: Uint.min(1, { message: 'must be at least 1 ms' }),
  requests: Uint.min(1, { message: 'must be at least 1' }).max(10_000, { message: 'must be at most 10000' }),
});

/** The client reveals the test data its request committed to, once the time limit passed; the evaluator ranks with it. */
export const RevealTestDataOp = z.strictObject({
  type: z.literal('revealTestData'),
  request_id: RequestId,
  test_data: JsonValue,
  /** 32 random bytes, hex: what keeps small test data from being guessed from its commitment. */
  salt: Hash,
});

/** The reserved worker agrees to a reservation's price and period. */
export const AcceptReservationOp = z.strictObject({
  type: z.literal('acceptReservation'),
  reservation_id: Hash,
});

/** The job's admin publishes a new version of its programs (a higher `version`, signed by it). */
export const PublishBinariesOp = z.strictObject({
  type: z.literal('publishBinaries'),
  job_id: JobId,
  binaries: Binaries,
});

export const ApplyJobOp = z.strictObject({
  type: z.literal('applyJob'),
  job_id: JobId,
  role: JobRole,
  /** The applicant's answer to the schema's test data: a worker's reply to its request, an evaluator's ranking of its replies. */
  test_result: JsonValue.optional(),
  /**
   * What the applicant's machine offers, in the shape of a job's `requirements`, as its agent
   * measured it: kept with the node, so the ledger can say when a job asks for more.
   */
  machine: Requirements.optional(),
  /** The least reward (the best one a request offers) the applicant's agent takes a request for. */
  min_reward: Amount.optional(),
});

export const ApproveNodeOp = z.strictObject({
  type: z.literal('approveNode'),
  job_id: JobId,
  node: Address,
  role: JobRole,
});

/** How a request's workers' pool is split among its ranked workers. */
export const RewardFunction = z.enum(['winnerOnly', 'even', 'ranked']);
export type RewardFunction = z.infer<typeof RewardFunction>;
/** The largest weight of one rank in `reward_weights`: 64 of them still sum far below 2^53. */
export const rewardWeightMax = 1_000_000;

export const RequestJobOp = z.strictObject({
  type: z.literal('requestJob'),
  job_id: JobId,
  job_input: Payload,
  /**
   * The paper's `reward: [10, 10]`: `[evaluator, workers]`, what the evaluator is paid when the
   * request settles and the workers' pool that `reward_function` splits among the ranked workers.
   */
  reward: z.tuple([Amount, Amount], {
    error: 'must be two amounts, [evaluator, workers]: what the evaluator is paid and the pool the workers share, e.g. ["10", "10"]',
  }),
  /** How the workers' pool is split: `winnerOnly` (default: all to the best), `even`, or `ranked` by `reward_weights`. */
  reward_function: RewardFunction.optional(),
  /** Per-rank weights of `ranked`, best first: rank i takes pool × w_i / Σw (only with `ranked`). */
  reward_weights: z.array(Uint.min(1).max(rewardWeightMax)).min(1).max(64).optional(),
  time_limit: Uint.min(1),
  evaluator_node: z.array(Address).max(64).optional(),
  worker_node: z.array(Address).max(64).optional(),
  skip_evaluation: z.boolean().optional(),
  /**
   * A reservation of the client's (`reserveWorker`) that its worker accepted: the request's worker is
   * that worker and its workers' pool is the reserved price, paid out of what the reservation locked.
   */
  reservation: Hash.optional(),
  /**
   * The paper: "the test set must be revealed after all the workers return their results". The
   * SHA-256 of the RFC 8785 JSON of `{ salt, test_data }` (`testDataCommitmentOf`): the client
   * reveals them with `revealTestData` once the time limit passed, and they must match.
   */
  test_commitment: Hash.optional(),
  /**
   * AIN locked for the request's lifetime to raise its agents' bandwidth (the FAQ: "a job can
   * allocate some tokens to secure bandwidth it requires"): its client, evaluator and accepted
   * workers may draw `bandwidth / ainPerTx` txs per window for their txs about it once their own
   * budgets are used; the AIN goes back to the client when the request ends.
   */
  bandwidth: Amount.optional(),
});

export const AcceptJobOp = z.strictObject({
  type: z.literal('acceptJob'),
  request_id: RequestId,
  role: z.enum(['evaluator', 'worker']),
  /** The evaluator's deposit. */
  deposit: Amount.optional(),
  /** An X25519 public key (hex) the client may seal the request's data key to (`shareKey`), for an encrypted input. */
  box_key: Hash.optional(),
});

/**
 * The client hands an accepted worker (or the request's evaluator) the key of its encrypted input,
 * sealed to the `box_key` that node published when it accepted (libsodium's sealed box: only that
 * node opens it). The architecture paper: "secure ways to share the decryption keys only with those involved".
 */
export const ShareKeyOp = z.strictObject({
  type: z.literal('shareKey'),
  request_id: RequestId,
  node: Address,
  /** The sealed 32-byte key: 80 bytes as hex. */
  sealed: z.string().regex(/^[0-9a-f]{160}$/, { message: 'must be the 80-byte sealed key as 160 lowercase hex characters' }),
});

/** Why a worker's run gave no result: the run's code (schemas/exec) and its sentence. */
export const RunFailure = z.strictObject({ code: RunErrorCode, message: z.string().max(512) });
export type RunFailure = z.infer<typeof RunFailure>;

/**
 * A worker hands in what its run came to: its `result`, or the `failure` of a run that gave none
 * (the run's code and sentence), never both; `log` names the blob in Big Storage holding the run's
 * stderr tail and progress events, readable by the request's client and evaluator.
 */
export const SubmitResultOp = z
  .strictObject({
    type: z.literal('submitResult'),
    request_id: RequestId,
    result: Payload.optional(),
    failure: RunFailure.optional(),
    log: BlobRef.optional(),
    /** The version of the job's binaries the worker ran (required when the job publishes binaries). */
    version: Uint.min(1).optional(),
  })
  .refine((op) => (op.result === undefined) !== (op.failure === undefined), {
    message: 'a submitResult carries either a result or the failure of a run that gave none, not both and not neither',
  });

export const RankOp = z.strictObject({
  type: z.literal('rank'),
  request_id: RequestId,
  ranking: z.array(Address).min(1).max(64),
});

export const AcceptResultOp = z.strictObject({ type: z.literal('acceptResult'), request_id: RequestId });

/**
 * The paper: "If the client or one of the contracted workers thinks the evaluation result is
 * wrong, it can request a re-evaluation to the parent node": signed by the client or by a worker
 * whose result was submitted, it locks the job's challenge fee.
 */
export const ChallengeOp = z.strictObject({
  type: z.literal('challenge'),
  request_id: RequestId,
  reason: z.string().max(512).optional(),
});

export const ResolveChallengeOp = z.strictObject({
  type: z.literal('resolveChallenge'),
  request_id: RequestId,
  uphold: z.boolean(),
  /**
   * The re-evaluation: upholding a worker's challenge, the resolver's corrected ranking (best
   * first, only workers who submitted), which the payouts then follow. Only then.
   */
  ranking: z.array(Address).min(1).max(64).optional(),
});

/** The most admins a blind challenge may ask for a quorum of. */
export const blindQuorumMax = 64;

/**
 * The FAQ's blind challenge: the client asks the job's admins outside the evaluator's branch of
 * the admin tree to judge the ranking, locking `reward` for the ones whose verdict the quorum
 * reaches. `quorum`: how many agreeing verdicts decide it (default and least: a majority of the
 * admins eligible when it opens; at most all of them).
 */
export const BlindChallengeOp = z.strictObject({
  type: z.literal('blindChallenge'),
  request_id: RequestId,
  reward: Amount.refine((a) => a !== '0', { message: 'must be above 0: the admins who judge are paid from it' }),
  quorum: Uint.min(1).max(blindQuorumMax).optional(),
  reason: z.string().max(512).optional(),
});

/** One eligible admin's signed verdict on a blind challenge: uphold (the ranking is wrong) or not. */
export const BlindVerdictOp = z.strictObject({
  type: z.literal('blindVerdict'),
  request_id: RequestId,
  uphold: z.boolean(),
  reason: z.string().max(512).optional(),
});

/** The paper's acceptJob: "The client may reject a worker if it doesn't like the worker's reputation." */
export const RejectWorkerOp = z.strictObject({
  type: z.literal('rejectWorker'),
  request_id: RequestId,
  worker: Address,
  reason: z.string().max(512).optional(),
});

export const DropOp = z.strictObject({
  type: z.literal('drop'),
  job_id: JobId,
  node: Address,
  reason: z.string().max(512).optional(),
});

export const jobOps = [
  RegisterJobOp,
  ApplyJobOp,
  ApproveNodeOp,
  RequestJobOp,
  AcceptJobOp,
  SubmitResultOp,
  RankOp,
  AcceptResultOp,
  ChallengeOp,
  ResolveChallengeOp,
  DropOp,
  RejectWorkerOp,
  BlindChallengeOp,
  BlindVerdictOp,
  PublishBinariesOp,
  ReserveWorkerOp,
  AcceptReservationOp,
  RevealTestDataOp,
  ShareKeyOp,
] as const;
/** Every op of the job protocol. */
export type JobOp = z.infer<(typeof jobOps)[number]>;
