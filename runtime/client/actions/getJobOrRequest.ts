import { z } from 'zod';
import { Hash, type AinError } from '../../../schemas/index.ts';
import type { JobAnswer, RequestAnswer } from './jobAnswers.ts';
import { getFrom, parametersOf, type NodeRef } from './nodeRef.ts';

const GetJobOrRequestParameters = z.strictObject({ id: Hash });
export type GetJobOrRequestParameters = z.input<typeof GetJobOrRequestParameters>;
/** A job schema (`kind: 'job'`) or a job request (`kind: 'request'`): their ids share one space. */
export type GetJobOrRequestReturnType = JobAnswer | RequestAnswer;
/** BAD_SCHEMA, UNKNOWN_JOB (no job nor request has the id), NODE_UNREACHABLE. */
export type GetJobOrRequestErrorType = AinError;

/**
 * Whatever has the id, a job schema or a job request (`GET /v1/jobs/<id>`), told apart by `kind`:
 * for a caller that takes either and says itself what it wanted (the CLI's `jobs show`, `requests
 * show`, `logs`, `result`); getJob and getRequest refuse the other kind.
 * @example const found = await getJobOrRequest({ url }, { id }); if (found.kind === 'request') console.log(found.state)
 */
export async function getJobOrRequest(client: NodeRef, parameters: GetJobOrRequestParameters): Promise<GetJobOrRequestReturnType> {
  const { id } = parametersOf('path', GetJobOrRequestParameters, parameters);
  return getFrom<JobAnswer | RequestAnswer>(client, `/v1/jobs/${id}`);
}
