import { z } from 'zod';
import { Hash, type AinError, type TxAnswer } from '../../../schemas/index.ts';
import { getFrom, parametersOf, type NodeRef } from './nodeRef.ts';

const GetTxParameters = z.strictObject({ hash: Hash });
export type GetTxParameters = z.input<typeof GetTxParameters>;
/** Where the tx landed (height, index, offset), what it came to, and the proof of both against its block's header. */
export type GetTxReturnType = TxAnswer;
/** BAD_SCHEMA, NOT_FOUND (not in a block yet, or in blocks this node does not hold), TX_DROPPED (a later nonce of its sender landed first: it never will), NODE_UNREACHABLE. */
export type GetTxErrorType = AinError;

/**
 * A tx by hash (`GET /v1/tx/<hash>`); `waitForTx` waits for one, `verifyTx` checks its proof.
 * @example const { height, outcome } = await getTx({ url }, { hash })
 */
export async function getTx(client: NodeRef, parameters: GetTxParameters): Promise<GetTxReturnType> {
  const { hash } = parametersOf('path', GetTxParameters, parameters);
  return getFrom(client, `/v1/tx/${hash}`);
}
