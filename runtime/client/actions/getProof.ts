import { z } from 'zod';
import type { StateProof } from '../../../projections/index.ts';
import { ProofQuery, StatePath, type AinError, type ProofAnswer } from '../../../schemas/index.ts';
import { getFrom, parametersOf, queryOf, type NodeRef } from './nodeRef.ts';

const PathParameter = z.object({ path: StatePath });
export type GetProofParameters = z.input<typeof PathParameter> & z.input<typeof ProofQuery>;
/** The value with its Merkle proof and the final header it checks against: `verifyProof(proof, …)` of projections checks it. */
export type GetProofReturnType = Omit<ProofAnswer, 'proof'> & { readonly proof: StateProof };
/**
 * BAD_SCHEMA, RESULT_TOO_LARGE (prove the paths below it), NOT_FINAL (no final block yet: retry),
 * NODE_UNREACHABLE; with `shard`: UNKNOWN_SHARD (the node keeps another shard, or has no parent),
 * NOT_REPORTED (the shard's next block is not made or not recorded on the parent yet: retry).
 */
export type GetProofErrorType = AinError;

/**
 * A value (or the rules, owner configs or functions: `kind`) at a path with its Merkle proof and
 * the final block header it checks against (`GET /v1/proof/<path>`). The node answers once the
 * block it read at is final. With `shard` (the node's own), asked of a shard's node, the answer
 * carries `parent`: the chain to a final header of the parent (`verifyShardProof` checks it).
 * @example const { value, proof, header } = await getProof({ url }, { path: '/apps/demo/x' })
 */
export async function getProof(client: NodeRef, parameters: GetProofParameters): Promise<GetProofReturnType> {
  const { path } = parametersOf('path', PathParameter, { path: parameters?.path });
  const { kind, shard } = parametersOf('query', ProofQuery, {
    ...(parameters.kind === undefined ? {} : { kind: parameters.kind }),
    ...(parameters.shard === undefined ? {} : { shard: parameters.shard }),
  });
  return getFrom(client, `/v1/proof${path === '/' ? '/' : path}${queryOf({ kind, shard })}`);
}
