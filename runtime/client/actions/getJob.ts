import { z } from 'zod';
import { AinError, Hash } from '../../../schemas/index.ts';
import type { JobAnswer, RequestAnswer } from './jobAnswers.ts';
import { getFrom, parametersOf, type NodeRef } from './nodeRef.ts';

const GetJobParameters = z.strictObject({ id: Hash });
export type GetJobParameters = z.input<typeof GetJobParameters>;
export type GetJobReturnType = JobAnswer;
/** BAD_SCHEMA, UNKNOWN_JOB (no job schema has the id; a request's id is one too: use getRequest), NODE_UNREACHABLE. */
export type GetJobErrorType = AinError;

/**
 * A registered job schema: its spec, admin, state, stats, dashboard and nodes (`GET /v1/jobs/<id>`).
 * @example const { spec, nodes } = await getJob({ url }, { id: jobId })
 */
export async function getJob(client: NodeRef, parameters: GetJobParameters): Promise<GetJobReturnType> {
  const { id } = parametersOf('path', GetJobParameters, parameters);
  const answer = await getFrom<JobAnswer | RequestAnswer>(client, `/v1/jobs/${id}`);
  if (answer.kind !== 'job') throw new AinError('UNKNOWN_JOB', `${id} is a job request, not a job; getRequest reads it.`, { details: { id } });
  return answer;
}
