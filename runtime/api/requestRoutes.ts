import { jobMachine, readRequest, type JobState, type PersistedRequest } from '../../actors/index.ts';
import { RequestsQuery, type RequestState } from '../../schemas/index.ts';
import type { JobRoutesOptions } from './jobRoutes.ts';
import { doc, type Api } from './openApi.ts';

/** A request's states, as its machine draws them (actors/job/jobMachine.ts). */
export const requestStates = Object.keys(jobMachine.config.states ?? {}) as [JobState, ...JobState[]];
// The query's states (schemas/api) are the machine's: a state added to one and not the other fails to compile.
const sameStates: [JobState, RequestState] extends [RequestState, JobState] ? true : never = true;
void sameStates;

/** Requests one answer reads at most, matching or not: a filter that matches few answers in several pages, never in one long scan. */
const scanMax = 10_000;

/** A request as `GET /v1/requests` lists it: who asked what of which job, where it stands, who works on it. */
function summaryOf(id: string, { state, context }: PersistedRequest) {
  return {
    id,
    job: context.job,
    client: context.client,
    state,
    requestedAt: context.requestedAt,
    deadline: context.deadline,
    timeLimitMs: context.timeLimitMs,
    reward: context.reward,
    rewardFunction: context.rewardFunction,
    rewardWeights: context.rewardWeights,
    evaluator: context.evaluator,
    workers: Object.keys(context.workers),
    ranking: context.ranking,
    refundReason: context.refundReason,
  };
}

/**
 * `GET /v1/requests[?job=&client=&state=&limit=&after=]`: job requests by id, those that match
 * every filter given. One answer reads at most 10,000 requests; `next` (the last id read) is
 * where the next page starts whenever requests remain unread, even when this page has fewer than
 * `limit` matches.
 */
export function requestRoutes(app: Api, { ledger }: Pick<JobRoutesOptions, 'ledger'>): void {
  const requestsDoc = doc('requests', 'Job requests by id, those that match every filter given; `next` is where the next page starts.', {
    querystring: RequestsQuery,
  });
  app.get('/v1/requests', requestsDoc, async (request) => {
    const { limit, after, job, client, state } = request.query;
    const { tree } = ledger;
    const ids = tree
      .keys('/jobs/requests')
      .sort()
      .filter((id) => after === undefined || id > after);
    const requests: ReturnType<typeof summaryOf>[] = [];
    let read = 0;
    for (const id of ids) {
      if (requests.length === limit || read === scanMax) break;
      read++;
      const found = readRequest(tree, id);
      if (found === null) continue;
      if (job !== undefined && found.context.job !== job) continue;
      if (client !== undefined && found.context.client !== client) continue;
      if (state !== undefined && found.state !== state) continue;
      requests.push(summaryOf(id, found));
    }
    return { height: ledger.height, requests, next: read < ids.length ? ids[read - 1]! : null };
  });
}
