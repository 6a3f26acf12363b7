import type { ReadModels, RefusedTx, StateTree } from '../../projections/index.ts';
import type { ErrorCode, OpOf } from '../../schemas/index.ts';
import type { JobState } from '../job/index.ts';

/** What an explanation is computed from: the ledger and read models after the latest block, and that block's time. */
export interface ExplainInput {
  readonly tree: StateTree;
  /** Height of the latest block applied. */
  readonly height: number;
  readonly readModels: Pick<ReadModels, 'dashboard' | 'explain'>;
  /** The latest block's time: "now" in every sentence (never the wall clock). */
  readonly time: number;
  /** The sentence a refused tx's block recorded at that height and index, where the caller holds that block (a node's block store). */
  readonly messageOf?: (tx: Pick<RefusedTx, 'hash' | 'height' | 'index'>) => string | undefined;
}

/** Why a node has not accepted a request (or cannot take a job's requests), as far as the ledger can tell. */
export type ReasonKind = 'allowList' | 'rejected' | 'takesPart' | 'approvedByClient' | 'balance' | 'machine' | 'minReward' | 'busy' | 'refused' | 'noneKnown';

export interface Reason {
  readonly reason: ReasonKind;
  /** The code the ledger refuses such a node's acceptJob with, where it would. */
  readonly code?: ErrorCode;
  readonly sentence: string;
}

/** One approved node and what the ledger can tell about it. */
export interface NodeStanding {
  readonly address: string;
  /** Open requests of the job it is on (as worker or evaluator), this one aside. */
  readonly busy: number;
  readonly reasons: readonly Reason[];
}

/** Nodes of one role in a job, by standing; each list holds at most `listMax` entries, `counts` all of them. */
export interface RoleStanding {
  readonly role: 'evaluator' | 'worker';
  /** Whether the request takes this role's acceptJob now (a job's standing: always true). */
  readonly open: boolean;
  /** The nodes of this role on the request: its evaluator, or its workers. */
  readonly accepted: readonly string[];
  /** Applied, waiting for an admin's approveNode. */
  readonly applied: readonly string[];
  readonly dropped: readonly string[];
  readonly busy: readonly { readonly address: string; readonly openRequests: number }[];
  /** Approved nodes the ledger would let accept now (a job's: that can serve its requests), with what may keep each away. */
  readonly eligible: readonly NodeStanding[];
  /** Approved nodes the ledger would refuse (a job's: whose reported machine is short), with why. */
  readonly ineligible: readonly NodeStanding[];
  readonly counts: {
    readonly approved: number;
    readonly applied: number;
    readonly dropped: number;
    readonly busy: number;
    readonly eligible: number;
    readonly ineligible: number;
  };
}

/** A refused tx about the request or job, with its block's sentence where known. */
export type RefusedView = RefusedTx & { readonly message?: string };

export interface Refusals {
  /** How many in all; `txs` holds the latest (32 at most). */
  readonly count: number;
  readonly txs: readonly RefusedView[];
}

/** The deadline a request's state ends at, and what happens then. */
export interface DeadlineView {
  readonly at: number;
  /** From the latest block's time. */
  readonly inMs: number;
  /** The state it goes to if nothing comes first (`refunded`, `ranking`, `settled`, `ranked`). */
  readonly then: JobState;
  readonly sentence: string;
}

/** What a request waits for in its state, or null once it ended. */
export type Awaiting = 'evaluator' | 'workers' | 'results' | 'ranking' | 'client' | 'resolver' | 'admins' | null;

export interface RequestExplanation {
  readonly kind: 'request';
  readonly id: string;
  readonly job: string;
  readonly client: string;
  readonly height: number;
  readonly time: number;
  readonly state: JobState;
  /** Block time it entered its state. */
  readonly since: number;
  readonly awaiting: Awaiting;
  readonly refundReason: string | null;
  readonly deadline: DeadlineView | null;
  /** null with skip_evaluation. */
  readonly evaluators: RoleStanding | null;
  readonly workers: RoleStanding;
  readonly refused: Refusals;
  /** The whole explanation for a person, one sentence a line. */
  readonly sentences: readonly string[];
}

export interface JobExplanation {
  readonly kind: 'job';
  readonly id: string;
  readonly admin: string;
  readonly registeredAt: number;
  readonly height: number;
  readonly time: number;
  readonly requirements: NonNullable<OpOf<'registerJob'>['requirements']> | null;
  readonly requests: {
    readonly total: number;
    readonly open: number;
    readonly settled: number;
    readonly refunded: number;
    /** The next deadlines of its open requests, soonest first (3 at most). */
    readonly nextDeadlines: readonly { readonly request: string; readonly state: JobState; readonly at: number; readonly inMs: number }[];
  };
  readonly evaluators: RoleStanding;
  readonly workers: RoleStanding;
  readonly refused: Refusals;
  readonly sentences: readonly string[];
}
