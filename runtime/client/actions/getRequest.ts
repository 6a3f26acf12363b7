import { z } from 'zod';
import { AinError, Hash } from '../../../schemas/index.ts';
import type { JobAnswer, RequestAnswer } from './jobAnswers.ts';
import { getFrom, parametersOf, type NodeRef } from './nodeRef.ts';

const GetRequestParameters = z.strictObject({ id: Hash });
export type GetRequestParameters = z.input<typeof GetRequestParameters>;
export type GetRequestReturnType = RequestAnswer;
/** BAD_SCHEMA, UNKNOWN_JOB (no request has the id; a job's id is one too: use getJob), NODE_UNREACHABLE. */
export type GetRequestErrorType = AinError;

/**
 * A job request: its state, client, rewards, deadlines, evaluator, workers, ranking, input and
 * results (`GET /v1/jobs/<id>`; the id is the hash of its `requestJob` tx).
 * @example const { state, results } = await getRequest({ url }, { id: requestId })
 */
export async function getRequest(client: NodeRef, parameters: GetRequestParameters): Promise<GetRequestReturnType> {
  const { id } = parametersOf('path', GetRequestParameters, parameters);
  const answer = await getFrom<JobAnswer | RequestAnswer>(client, `/v1/jobs/${id}`);
  if (answer.kind !== 'request') throw new AinError('UNKNOWN_JOB', `${id} is a job, not a job request; getJob reads it.`, { details: { id } });
  return answer;
}
