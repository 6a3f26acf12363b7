import { z } from 'zod';
import { Hash, type AinError, type NodeReputation } from '../../../schemas/index.ts';
import { getFrom, parametersOf, type NodeRef } from './nodeRef.ts';

const GetJobReputationParameters = z.strictObject({ job: Hash });
export type GetJobReputationParameters = z.input<typeof GetJobReputationParameters>;
/** The reputation of every node of a job, by address (1000 at most; `total` counts them all). */
export interface GetJobReputationReturnType {
  readonly job: string;
  readonly height: number;
  readonly nodes: Readonly<Record<string, NodeReputation>>;
  readonly total: number;
}
/** BAD_SCHEMA, UNKNOWN_JOB, NODE_UNREACHABLE. */
export type GetJobReputationErrorType = AinError;

/**
 * The reputation of a job's nodes: role, status, ratios, Elo (`GET /v1/jobs/<id>/reputation`).
 * @example const { nodes } = await getJobReputation({ url }, { job })
 */
export async function getJobReputation(client: NodeRef, parameters: GetJobReputationParameters): Promise<GetJobReputationReturnType> {
  const { job } = parametersOf('path', GetJobReputationParameters, parameters);
  return getFrom(client, `/v1/jobs/${job}/reputation`);
}
