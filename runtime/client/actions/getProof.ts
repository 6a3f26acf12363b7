import { z } from 'zod';
import type { StateProof } from '../../../projections/index.ts';
import { ProofQuery, StatePath, type AinError, type ProofAnswer } from '../../../schemas/index.ts';
import { getFrom, parametersOf, queryOf, type NodeRef } from './nodeRef.ts';

const PathParameter = z.object({ path: StatePath });
export type GetProofParameters = z.input<typeof PathParameter> & z.input<typeof ProofQuery>;
/** The value with its Merkle proof and the final header it checks against: `verifyProof(proof, …)` of projections checks it. */
export type GetProofReturnType = Omit<ProofAnswer, 'proof'> & { readonly proof: StateProof };
/** BAD_SCHEMA, RESULT_TOO_LARGE (prove the paths below it), NOT_FINAL (no final block yet: retry), NODE_UNREACHABLE. */
export type GetProofErrorType = AinError;

/**
 * A value (or the rules, owner configs or functions: `kind`) at a path with its Merkle proof and
 * the final block header it checks against (`GET /v1/proof/<path>`). The node answers once the
 * block it read at is final.
 * @example const { value, proof, header } = await getProof({ url }, { path: '/apps/demo/x' })
 */
export async function getProof(client: NodeRef, parameters: GetProofParameters): Promise<GetProofReturnType> {
  const { path } = parametersOf('path', PathParameter, { path: parameters?.path });
  const { kind } = parametersOf('query', ProofQuery, parameters.kind === undefined ? {} : { kind: parameters.kind });
  return getFrom(client, `/v1/proof${path === '/' ? '/' : path}${queryOf({ kind })}`);
}
