/**
 * What the job protocol did, as data: the ledger fold (actors/job) emits these in block order for
 * every job op that was `ok` and for every deadline block time passed, and the reputation and
 * dashboard projections fold them. `time` and `height` are the block's; amounts are decimal
 * strings of whole AIN.
 */
export type JobRole = 'admin' | 'evaluator' | 'worker';

/** One movement of money out of a request's escrow (or a fee), as it settled. */
export interface Payout {
  readonly to: string;
  readonly amount: string;
  /** reward: a worker's share; fee: the parent admin's; deposit: the evaluator's back (or forfeited to `to`); refund: the client's. */
  readonly kind: 'reward' | 'fee' | 'deposit' | 'refund' | 'challengeFee';
}

interface At {
  readonly time: number;
  readonly height: number;
  readonly job: string;
}

export type JobEvent =
  | (At & { readonly type: 'jobRegistered'; readonly admin: string })
  /** `testResult`: the applicant's answer to the schema's test data, for its admin to check. */
  | (At & { readonly type: 'nodeApplied'; readonly node: string; readonly role: JobRole; readonly testResult?: unknown })
  /** `parent` is the approving admin: the node's parent in the reputation tree (RTree). */
  | (At & { readonly type: 'nodeApproved'; readonly node: string; readonly role: JobRole; readonly parent: string })
  | (At & { readonly type: 'nodeDropped'; readonly node: string; readonly role: JobRole; readonly by: string })
  | (At & { readonly type: 'requested'; readonly request: string; readonly client: string; readonly reward: string })
  | (At & { readonly type: 'accepted'; readonly request: string; readonly node: string; readonly role: 'evaluator' | 'worker' })
  /** `responseMs`: block time from the worker's acceptJob to its submitResult. */
  | (At & { readonly type: 'submitted'; readonly request: string; readonly node: string; readonly responseMs: number })
  /** Best first; every ranked worker submitted a result. */
  /** The client turned a worker away while the request ran. */
  | (At & { readonly type: 'workerRejected'; readonly request: string; readonly node: string; readonly client: string; readonly reason?: string })
  | (At & { readonly type: 'ranked'; readonly request: string; readonly evaluator: string; readonly ranking: readonly string[] })
  | (At & { readonly type: 'challenged'; readonly request: string; readonly client: string; readonly evaluator: string })
  /** `payouts`: the challenge fee to the resolver when it rejects the challenge (none when it upholds it). */
  | (At & { readonly type: 'challengeResolved'; readonly request: string; readonly upheld: boolean; readonly evaluator: string; readonly client: string; readonly resolver: string; readonly payouts: readonly Payout[] })
  /** `latencyMs`: block time from requestJob to settlement. Workers who submitted but got nothing are `unpaid`. */
  | (At & { readonly type: 'settled'; readonly request: string; readonly client: string; readonly evaluator: string | null; readonly payouts: readonly Payout[]; readonly latencyMs: number; readonly unpaid: readonly string[] })
  | (At & { readonly type: 'refunded'; readonly request: string; readonly client: string; readonly evaluator: string | null; readonly reason: 'noEvaluator' | 'noResult' | 'noRanking' | 'challengeUpheld'; readonly payouts: readonly Payout[]; readonly latencyMs: number });

export type JobEventType = JobEvent['type'];
