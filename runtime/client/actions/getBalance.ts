import type { AinError } from '../../../schemas/index.ts';
import { getAccount, type GetAccountParameters } from './getAccount.ts';
import type { NodeRef } from './nodeRef.ts';

export type GetBalanceParameters = GetAccountParameters;
/** The balance in AIN, as a bigint (amounts are decimal strings on the wire). */
export type GetBalanceReturnType = bigint;
export type GetBalanceErrorType = AinError;

/**
 * An address's balance as a bigint (`GET /v1/accounts/<address>`).
 * @example if ((await getBalance({ url }, { address })) < 10n) console.log('top up')
 */
export async function getBalance(client: NodeRef, parameters: GetBalanceParameters): Promise<GetBalanceReturnType> {
  return BigInt((await getAccount(client, parameters)).balance);
}
