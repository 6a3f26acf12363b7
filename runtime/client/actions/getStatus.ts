import type { AinError, StatusAnswer } from '../../../schemas/index.ts';
import { getFrom, type NodeRef } from './nodeRef.ts';

export type GetStatusReturnType = StatusAnswer;
/** NODE_UNREACHABLE when no node answers. */
export type GetStatusErrorType = AinError;

/**
 * The node's chain, shard, address, genesis, heights and whether it has caught up (`GET /v1/status`).
 * @example const { chain, height } = await getStatus({ url })
 */
export async function getStatus(client: NodeRef): Promise<GetStatusReturnType> {
  return getFrom(client, '/v1/status');
}
