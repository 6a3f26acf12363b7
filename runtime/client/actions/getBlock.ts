import { z } from 'zod';
import { BlockHeight, type AinError } from '../../../schemas/index.ts';
import type { BlockView } from '../../blocks/index.ts';
import { getFrom, parametersOf, type NodeRef } from './nodeRef.ts';

const GetBlockParameters = z.strictObject({ height: BlockHeight.default('latest') });
export type GetBlockParameters = z.input<typeof GetBlockParameters>;
/** Its hash, header, txs with their outcomes, job events, fired triggers, and the final block as of it. */
export type GetBlockReturnType = BlockView;
/** BAD_SCHEMA, NOT_FOUND (a height the node does not hold, or no block yet), NODE_UNREACHABLE. */
export type GetBlockErrorType = AinError;

/**
 * A block by height, or the latest (`GET /v1/blocks/<height>`).
 * @example const { header, finalized } = await getBlock({ url }, { height: 'latest' })
 */
export async function getBlock(client: NodeRef, parameters: GetBlockParameters = {}): Promise<GetBlockReturnType> {
  const { height } = parametersOf('path', GetBlockParameters, parameters);
  return getFrom(client, `/v1/blocks/${height}`);
}
