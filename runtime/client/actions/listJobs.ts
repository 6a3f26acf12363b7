import { JobsQuery, type AinError } from '../../../schemas/index.ts';
import type { JobSummary } from './jobAnswers.ts';
import { getFrom, parametersOf, queryOf, type NodeRef } from './nodeRef.ts';

/** `limit` (default 100, at most 1000), `after` (the `next` of the page before), `state` (open, ready, unstaffed). */
export type ListJobsParameters = JobsQuery;
export interface ListJobsReturnType {
  readonly height: number;
  readonly jobs: readonly JobSummary[];
  /** Where the next page starts (`after`), or null on the last. */
  readonly next: string | null;
}
export type ListJobsErrorType = AinError;

/**
 * Registered job schemas by id, a page at a time (`GET /v1/jobs`).
 * @example for (let after; ; ) { const page = await listJobs({ url }, { after }); …; if ((after = page.next ?? undefined) === undefined) break }
 */
export async function listJobs(client: NodeRef, parameters: ListJobsParameters = {}): Promise<ListJobsReturnType> {
  const { limit, after, state } = parametersOf('query', JobsQuery, parameters);
  return getFrom(client, `/v1/jobs${queryOf({ limit, after, state })}`);
}
