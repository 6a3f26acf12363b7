import { z } from 'zod';
import type { AccountCommitments } from '../../../actors/index.ts';
import { Address, type AinError } from '../../../schemas/index.ts';
import { getFrom, parametersOf, type NodeRef } from './nodeRef.ts';

const GetAccountRequestsParameters = z.strictObject({ address: Address });
export type GetAccountRequestsParameters = z.input<typeof GetAccountRequestsParameters>;
export type GetAccountRequestsReturnType = AccountCommitments & { readonly height: number };
export type GetAccountRequestsErrorType = AinError;

/**
 * The open requests an address is the client or evaluator of: what each holds in escrow and may
 * still lock, and whether the balance covers it (`GET /v1/accounts/<address>/requests`).
 * @example const { covered } = await getAccountRequests({ url }, { address })
 */
export async function getAccountRequests(client: NodeRef, parameters: GetAccountRequestsParameters): Promise<GetAccountRequestsReturnType> {
  const { address } = parametersOf('path', GetAccountRequestsParameters, parameters);
  return getFrom(client, `/v1/accounts/${address}/requests`);
}
