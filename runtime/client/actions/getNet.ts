import type { AinError } from '../../../schemas/index.ts';
import { getFrom, type NodeRef } from './nodeRef.ts';

/** The node on the peer-to-peer network: its peers and, on a validator, where consensus stands (docs/api.md gives every field). */
export interface GetNetReturnType {
  readonly peers: readonly string[];
  readonly consensus?: { readonly lastCommit: { readonly height: number } | null; readonly [field: string]: unknown };
  readonly [field: string]: unknown;
}
/** NOT_FOUND on a node without a p2p section in its config; NODE_UNREACHABLE. */
export type GetNetErrorType = AinError;

/**
 * The node's peers and consensus (`GET /v1/net`).
 * @example const { peers } = await getNet({ url })
 */
export async function getNet(client: NodeRef): Promise<GetNetReturnType> {
  return getFrom(client, '/v1/net');
}
