import { z } from 'zod';
import { StatePath, StateQuery, type AinError, type StateAnswer } from '../../../schemas/index.ts';
import { getFrom, parametersOf, queryOf, type NodeRef } from './nodeRef.ts';

const PathParameter = z.object({ path: StatePath });
export type GetStateParameters = z.input<typeof PathParameter> & z.input<typeof StateQuery>;
export type GetStateReturnType = StateAnswer;
/** BAD_SCHEMA (a bad path or page), RESULT_TOO_LARGE (read it in pages: `limit`, then `cursor` = `next`), NODE_UNREACHABLE. */
export type GetStateErrorType = AinError;

/**
 * The value at a path of the state tree as of the node's latest block, whole, or a page of its
 * keys with `limit` (and `cursor`: the `next` of the page before) (`GET /v1/state/<path>`).
 * @example const { value } = await getState({ url }, { path: '/apps/demo/x' })
 */
export async function getState(client: NodeRef, parameters: GetStateParameters): Promise<GetStateReturnType> {
  const { path } = parametersOf('path', PathParameter, { path: parameters?.path });
  const { limit, cursor } = parametersOf('query', StateQuery, { limit: parameters.limit, cursor: parameters.cursor });
  return getFrom(client, `/v1/state${path === '/' ? '/' : path}${queryOf({ limit, cursor })}`);
}
