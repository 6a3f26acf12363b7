import { RequestsQuery, type AinError } from '../../../schemas/index.ts';
import type { RequestSummary } from './jobAnswers.ts';
import { getFrom, parametersOf, queryOf, type NodeRef } from './nodeRef.ts';

/** Filters `job`, `client`, `state`; `limit` (default 100, at most 1000) and `after` (the `next` of the page before). */
export type ListRequestsParameters = RequestsQuery;
export interface ListRequestsReturnType {
  readonly height: number;
  readonly requests: readonly RequestSummary[];
  /** Where the next page starts whenever requests remain unread (a page may hold fewer than `limit` matches), or null. */
  readonly next: string | null;
}
export type ListRequestsErrorType = AinError;

/**
 * Job requests by id, those that match every filter given, a page at a time (`GET /v1/requests`).
 * @example const { requests } = await listRequests({ url }, { client: address, state: 'running' })
 */
export async function listRequests(client: NodeRef, parameters: ListRequestsParameters = {}): Promise<ListRequestsReturnType> {
  const { limit, after, job, client: requester, state } = parametersOf('query', RequestsQuery, parameters);
  return getFrom(client, `/v1/requests${queryOf({ limit, after, job, client: requester, state })}`);
}
