import { BlocksQuery, type AinError } from '../../../schemas/index.ts';
import type { BlockView } from '../../blocks/index.ts';
import { getFrom, parametersOf, queryOf, type NodeRef } from './nodeRef.ts';

/** `from`, and `to` or `limit` (not both): 100 heights a read at most. */
export type GetBlocksParameters = BlocksQuery;
/** The blocks the node holds from `from` to `to` (the last height covered: read on from `to + 1`). */
export interface GetBlocksReturnType {
  readonly from: number;
  readonly to: number;
  readonly blocks: readonly BlockView[];
}
export type GetBlocksErrorType = AinError;

/**
 * Blocks from `from` to `to`, or `limit` of them (`GET /v1/blocks`).
 * @example const { blocks, to } = await getBlocks({ url }, { from: 1, limit: 100 })
 */
export async function getBlocks(client: NodeRef, parameters: GetBlocksParameters): Promise<GetBlocksReturnType> {
  const { from, to } = parametersOf('query', BlocksQuery, parameters);
  return getFrom(client, `/v1/blocks${queryOf({ from, to })}`);
}
