import type { JobContext, JobSchemaRecord, JobState, NodeContext, NodeState } from '../../../actors/index.ts';
import type { Binaries, JobDashboardView, JobSchemaState } from '../../../schemas/index.ts';

// What `GET /v1/jobs`, `/v1/jobs/<id>` and `/v1/requests` answer, in the types of the ledger
// records the routes read (runtime/api/jobRoutes.ts, requestRoutes.ts).

/** A job schema as `GET /v1/jobs` lists it. */
export interface JobSummary {
  readonly id: string;
  readonly admin: string;
  readonly registeredAt: number;
  readonly state: JobSchemaState;
  /** One line of the job's statistics, for a person. */
  readonly stats: string;
  readonly dashboard: JobDashboardView | null;
}

/** A job schema with its spec (the `registerJob` op) and its nodes (1000 at most, by address). */
export interface JobAnswer extends JobSummary {
  readonly kind: 'job';
  readonly height: number;
  readonly spec: JobSchemaRecord['op'];
  readonly nodes: readonly { readonly address: string; readonly state: NodeState; readonly role: NodeContext['role']; readonly parent: string | null }[];
  /** The version of the job's programs in force, as its admin signed it (null: the job publishes none). */
  readonly binaries: Binaries | null;
  /** Every version published, oldest first. */
  readonly binaryVersions: readonly number[];
}

/** A job request: its machine's state and context, its input, and the results submitted (by worker). */
export type RequestAnswer = JobContext & {
  readonly kind: 'request';
  readonly height: number;
  readonly id: string;
  readonly state: JobState;
  readonly input: unknown;
  readonly results: Readonly<Record<string, unknown>>;
  /** The test data the request committed to (`commitment`) and, once its client revealed it, the data; null without a commitment. */
  readonly testData: { readonly commitment: string; readonly revealed?: unknown; readonly revealedAt?: number } | null;
};

/** A job request as `GET /v1/requests` lists it. */
export type RequestSummary = Pick<
  JobContext,
  'job' | 'client' | 'requestedAt' | 'deadline' | 'timeLimitMs' | 'reward' | 'rewardFunction' | 'rewardWeights' | 'evaluator' | 'ranking' | 'refundReason'
> & { readonly id: string; readonly state: JobState; readonly workers: readonly string[] };
