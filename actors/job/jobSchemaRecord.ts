import type { JobEvent, Outcome, StateTree } from '../../projections/index.ts';
import { refuse } from '../../projections/index.ts';
import type { OpOf } from '../../schemas/index.ts';
import type { JobWindows } from './jobMachine.ts';
import { jobPaths, readJson } from './jobStore.ts';

/** A registered job schema as the ledger keeps it: the registerJob op, its admin and time. */
export interface JobSchemaRecord {
  readonly admin: string;
  readonly registeredAt: number;
  readonly op: OpOf<'registerJob'>;
}

/** What a job op is folded with: the tree, the signer and the block. */
export interface JobOpContext {
  readonly tree: StateTree;
  readonly from: string;
  /** Hash of the tx: the id of a job it registers or a request it makes. */
  readonly hash: string;
  readonly time: number;
  readonly height: number;
  readonly windows: JobWindows;
  /** The chain's id: what a job's binaries are signed for. */
  readonly chain: string;
}

export interface JobOpResult {
  readonly outcome: Outcome;
  readonly events?: readonly JobEvent[];
}

export const short = (id: string): string => `${id.slice(0, 16)}…`;

export function readJobSchema(tree: StateTree, job: string): JobSchemaRecord | null {
  return readJson<JobSchemaRecord>(tree, jobPaths.schema(job));
}

export const unknownJob = (job: string): JobOpResult => ({
  outcome: refuse('UNKNOWN_JOB', `No job schema ${short(job)} is registered; registerJob first, or check the job id.`),
});

/** Default windows of the protocol, in block time, where the genesis names none. */
export const defaultJobWindows: JobWindows = Object.freeze({
  claimWindowMs: 60_000,
  rankWindowMs: 60_000,
  resolveWindowMs: 300_000,
  maxChallenges: 2,
  maxTimeLimitMs: 7 * 24 * 3600 * 1000,
});
