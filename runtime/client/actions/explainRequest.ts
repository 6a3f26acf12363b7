import { z } from 'zod';
import type { RequestExplanation } from '../../../actors/index.ts';
import { Hash, type AinError } from '../../../schemas/index.ts';
import { getFrom, parametersOf, type NodeRef } from './nodeRef.ts';

const ExplainRequestParameters = z.strictObject({ id: Hash });
export type ExplainRequestParameters = z.input<typeof ExplainRequestParameters>;
/** Its state and since when, its workers and evaluators and why each eligible one has not accepted, deadlines, refused txs; `sentences` for a person. */
export type ExplainRequestReturnType = RequestExplanation;
/** BAD_SCHEMA, UNKNOWN_JOB (no such request, or the id is a job's: explainJob), NODE_UNREACHABLE. */
export type ExplainRequestErrorType = AinError;

/**
 * Why a job request is where it is, in sentences and JSON (`GET /v1/requests/<id>/explain`).
 * @example for (const s of (await explainRequest({ url }, { id })).sentences) console.log(s)
 */
export async function explainRequest(client: NodeRef, parameters: ExplainRequestParameters): Promise<ExplainRequestReturnType> {
  const { id } = parametersOf('path', ExplainRequestParameters, parameters);
  return getFrom(client, `/v1/requests/${id}/explain`);
}
