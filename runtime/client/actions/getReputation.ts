import { z } from 'zod';
import type { JobReputationEntry } from '../../../projections/index.ts';
import { Address, type AinError } from '../../../schemas/index.ts';
import { getFrom, parametersOf, type NodeRef } from './nodeRef.ts';

const GetReputationParameters = z.strictObject({ address: Address });
export type GetReputationParameters = z.input<typeof GetReputationParameters>;
/** The node's reputation in each job it took part in, by job id: jobs done, response time, ratios, challenges, drops, Elo. */
export interface GetReputationReturnType {
  readonly address: string;
  readonly height: number;
  readonly jobs: readonly JobReputationEntry[];
}
export type GetReputationErrorType = AinError;

/**
 * A node's reputation per job (`GET /v1/reputation/<address>`).
 * @example const { jobs } = await getReputation({ url }, { address: worker })
 */
export async function getReputation(client: NodeRef, parameters: GetReputationParameters): Promise<GetReputationReturnType> {
  const { address } = parametersOf('path', GetReputationParameters, parameters);
  return getFrom(client, `/v1/reputation/${address}`);
}
