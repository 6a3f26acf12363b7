import { z } from 'zod';
import type { JobExplanation } from '../../../actors/index.ts';
import { Hash, type AinError } from '../../../schemas/index.ts';
import { getFrom, parametersOf, type NodeRef } from './nodeRef.ts';

const ExplainJobParameters = z.strictObject({ id: Hash });
export type ExplainJobParameters = z.input<typeof ExplainJobParameters>;
/** Who may work on the job and who is eligible now, its open requests and their next deadlines; `sentences` for a person. */
export type ExplainJobReturnType = JobExplanation;
/** BAD_SCHEMA, UNKNOWN_JOB (no such job, or the id is a request's: explainRequest), NODE_UNREACHABLE. */
export type ExplainJobErrorType = AinError;

/**
 * Why a job is where it is, in sentences and JSON (`GET /v1/jobs/<id>/explain`).
 * @example const { sentences } = await explainJob({ url }, { id: jobId })
 */
export async function explainJob(client: NodeRef, parameters: ExplainJobParameters): Promise<ExplainJobReturnType> {
  const { id } = parametersOf('path', ExplainJobParameters, parameters);
  return getFrom(client, `/v1/jobs/${id}/explain`);
}
