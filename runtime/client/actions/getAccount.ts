import { z } from 'zod';
import { Address, type AccountAnswer, type AinError } from '../../../schemas/index.ts';
import { getFrom, parametersOf, type NodeRef } from './nodeRef.ts';

const GetAccountParameters = z.strictObject({ address: Address });
export type GetAccountParameters = z.input<typeof GetAccountParameters>;
export type GetAccountReturnType = AccountAnswer;
/** BAD_SCHEMA (not an address), NODE_UNREACHABLE. An address the ledger never saw has a zero balance and nonce 0. */
export type GetAccountErrorType = AinError;

/**
 * An account: balance, stake and unbonding (decimal strings of AIN), nonce and slashing, as of
 * the node's latest block (`GET /v1/accounts/<address>`).
 * @example const { balance, nonce } = await getAccount({ url }, { address })
 */
export async function getAccount(client: NodeRef, parameters: GetAccountParameters): Promise<GetAccountReturnType> {
  const { address } = parametersOf('path', GetAccountParameters, parameters);
  return getFrom(client, `/v1/accounts/${address}`);
}
