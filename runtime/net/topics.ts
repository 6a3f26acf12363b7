import { ChainId, parseOrThrow, ShardPath } from '../../schemas/index.ts';

/** What a gossip topic carries. */
export type GossipKind = 'txs' | 'proposals' | 'votes' | 'evidence' | 'progress';

/** The request/response protocols between peers. */
export type RequestKind = 'status' | 'blocks-by-range' | 'decided-by-range' | 'records' | 'blob' | 'call';

const version = 1;

/** `/ain/1/<chain>` plus the shard's path below the root (nothing for the root chain `/`). */
function prefix(chain: string, shard: string): string {
  parseOrThrow(ChainId, chain, 'chain id');
  parseOrThrow(ShardPath, shard, 'shard path');
  return `/ain/${version}/${chain}${shard === '/' ? '' : shard}`;
}

/**
 * The gossip topic of one kind of message of a chain's shard. The kind comes last and the chain
 * first, so no shard path makes two topics alike.
 * @example topicOf('ain-local', '/', 'votes') // '/ain/1/ain-local/votes'
 */
export function topicOf(chain: string, shard: string, kind: GossipKind): string {
  return `${prefix(chain, shard)}/${kind}`;
}

/**
 * The request/response protocol id of one kind of request of a chain's shard.
 * @example protocolOf('ain-local', '/', 'status') // '/ain/1/ain-local/req/status'
 */
export function protocolOf(chain: string, shard: string, kind: RequestKind): string {
  return `${prefix(chain, shard)}/req/${kind}`;
}

/**
 * The largest answer a node reads to `status`: a few hundred bytes of names, heights, hashes
 * and a signed claim, with room to grow. A peer that answers more is refused (NET_TOO_LARGE)
 * before its answer is read whole or parsed; every node asks its peers' status every few seconds.
 */
export const statusAnswerMaxBytes = 16 * 1024;
