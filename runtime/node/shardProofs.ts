import { filter, firstValueFrom, timeout, type Observable } from 'rxjs';
import { AinError, isAinError, type ParentConfig, type ProofAnswer } from '../../schemas/index.ts';
import { callNode } from '../client/index.ts';
import type { BlockStore, BlockView } from './blockStore.ts';

/** A chained proof's link to the parent: what `GET /v1/proof/<path>?shard=` adds to the child's answer. */
export type ParentLink = NonNullable<ProofAnswer['parent']>;

export interface ShardProofLinksComponents {
  /** The shard this node's chain keeps (its genesis's `shard`). */
  readonly shard: string;
  readonly genesisHash: string;
  readonly parent: Pick<ParentConfig, 'urls'>;
  readonly blocks: Pick<BlockStore, 'get'>;
  /** Blocks as this node applies them. */
  readonly blocks$: Observable<Pick<BlockView, 'header'>>;
  /** How long a link may be waited for: block `height + 1` to be made, then recorded on the parent. */
  readonly waitMs: number;
  readonly now: () => number;
}

/** How long one request to a parent node may take. */
const requestTimeoutMs = 5_000;
/** How often the parent is asked again while it lacks the record. */
const askAgainMs = 250;

/**
 * The link from this shard's block `height` to its parent. The state root after block `height`
 * is named (as `lastRoot`) by the proposal of block `height + 1`, which the shard's validators
 * precommitted; the parent records that proposal hash when the block is reported. So a link
 * waits for block `height + 1` here, then for its record on a parent node, and gives that
 * block's header with the parent's proof of the record. Past `waitMs` it is NOT_REPORTED (an idle
 * shard makes block `height + 1` only for its next tx).
 * @example const link = await linkOf(5) // { url, genesis, next, record }
 */
export function createShardProofLinks(c: ShardProofLinksComponents): (height: number) => Promise<ParentLink> {
  const { shard, genesisHash, parent, blocks } = c;
  let urlIndex = 0;
  const path = (height: number) => `/consensus/shards/${genesisHash}/${height}`;

  const notReported = (height: number, why: string) =>
    new AinError(
      'NOT_REPORTED',
      `Block ${height + 1} of shard ${shard}, whose proposal certifies the state after block ${height}, ${why} within ${c.waitMs} ms; an idle shard makes blocks only for txs: retry once it has made more.`,
      { details: { shard, height } },
    );

  async function nextBlock(height: number, deadline: number) {
    if (blocks.get(height + 1) === undefined) {
      const ms = Math.max(0, deadline - c.now());
      await firstValueFrom(
        c.blocks$.pipe(
          filter((view) => view.header.height >= height + 1),
          timeout({ first: ms, with: () => Promise.reject(notReported(height, 'was not made')) }),
        ),
      ).catch((error: unknown) => {
        // The stream ended (the node is stopping) or the wait ran out.
        throw isAinError(error) ? error : notReported(height, 'was not made');
      });
    }
    const next = blocks.get(height + 1);
    const own = blocks.get(height);
    if (next === undefined || own === undefined) throw notReported(height, 'is not held by this node');
    return { ...next.header, lastRoot: own.header.stateRoot };
  }

  return async function linkOf(height) {
    const deadline = c.now() + c.waitMs;
    const next = await nextBlock(height, deadline);
    let unreachable = 0;
    for (;;) {
      const url = parent.urls[urlIndex % parent.urls.length]!;
      try {
        const record = await callNode<ParentLink['record']>(url, 'GET', `/v1/proof${path(height + 1)}`, undefined, { timeoutMs: requestTimeoutMs });
        if (record.value !== null && typeof record.value === 'object') return { url, genesis: genesisHash, next, record };
      } catch (error) {
        if (!isAinError(error, 'NODE_UNREACHABLE') && !isAinError(error, 'NOT_FINAL')) throw error;
        if (isAinError(error, 'NODE_UNREACHABLE')) {
          urlIndex++;
          if (++unreachable >= parent.urls.length && c.now() >= deadline) {
            throw new AinError('NODE_UNREACHABLE', `No parent node of shard ${shard} answered (${parent.urls.join(', ')}); a chained proof needs one.`);
          }
        }
      }
      if (c.now() >= deadline) throw notReported(height, `is not recorded on the parent (asked ${url})`);
      await new Promise((resolve) => setTimeout(resolve, askAgainMs));
    }
  };
}
