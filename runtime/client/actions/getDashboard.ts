import { z } from 'zod';
import { Hash, type AinError, type JobDashboardView } from '../../../schemas/index.ts';
import { getFrom, parametersOf, queryOf, type NodeRef } from './nodeRef.ts';

const GetDashboardParameters = z.strictObject({ job: Hash });
export type GetDashboardParameters = z.input<typeof GetDashboardParameters>;
/** One job's statistics: a line for a person, and the figures. */
export interface GetDashboardReturnType {
  readonly height: number;
  readonly job: string;
  readonly stats: string;
  readonly dashboard: JobDashboardView;
}
/** BAD_SCHEMA, UNKNOWN_JOB (the dashboard has no such job), NODE_UNREACHABLE. */
export type GetDashboardErrorType = AinError;

/**
 * A job's dashboard: its statistics line and figures (`GET /v1/dashboard?job=`).
 * @example console.log((await getDashboard({ url }, { job })).stats)
 */
export async function getDashboard(client: NodeRef, parameters: GetDashboardParameters): Promise<GetDashboardReturnType> {
  const { job } = parametersOf('query', GetDashboardParameters, parameters);
  return getFrom(client, `/v1/dashboard${queryOf({ job })}`);
}
