import type { AinError, HealthAnswer } from '../../../schemas/index.ts';
import { getFrom, type NodeRef } from './nodeRef.ts';

export type GetHealthReturnType = HealthAnswer;
/** NODE_UNREACHABLE when no node answers. */
export type GetHealthErrorType = AinError;

/**
 * Whether the node answers, its height, final height and signature verifier, and what keeps it from its work now (`problems`; `GET /v1/health`).
 * @example const { finalized } = await getHealth({ url })
 */
export async function getHealth(client: NodeRef): Promise<GetHealthReturnType> {
  return getFrom(client, '/v1/health');
}
