import type { JobEvent } from '../../schemas/index.ts';
import { getBlocks } from './actions/getBlocks.ts';
import { getStatus } from './actions/getStatus.ts';
import { getTx } from './actions/getTx.ts';

export interface ReadRequestHistoryOptions {
  /** Heights read at most, from the request's block on; default 10,000. */
  readonly blocksMax?: number;
}

/** What the job protocol did about one request, block by block, as far as it was read. */
export interface RequestHistory {
  readonly request: string;
  /** The block of the request's `requestJob` tx: where the reading began. */
  readonly from: number;
  /** The last height read. */
  readonly to: number;
  /** The request's job events in block order, each with its block's height and time. */
  readonly events: readonly JobEvent[];
  /** True once the request settled or was refunded: no event about it comes after. */
  readonly ended: boolean;
  /** True when `blocksMax` heights were read before the latest block and the request had not ended. */
  readonly truncated: boolean;
}

/** Heights one `GET /v1/blocks` answers at most. */
const rangeBlocksMax = 100;

/**
 * A request's history from the node's blocks: the block of its `requestJob` tx (`GET
 * /v1/tx/<request>`), then the blocks after it (`GET /v1/blocks`, 100 heights a read) up to the
 * latest, or until the request settles or is refunded, `blocksMax` heights at most. The
 * `jobs/<request>` stream follows it from there on.
 * @example const { events } = await readRequestHistory(nodeUrl, requestId)
 */
export async function readRequestHistory(nodeUrl: string, request: string, { blocksMax = 10_000 }: ReadRequestHistoryOptions = {}): Promise<RequestHistory> {
  const node = { url: nodeUrl };
  const { height: from } = await getTx(node, { hash: request });
  const { height: latest } = await getStatus(node);
  const last = Math.min(latest, from + blocksMax - 1);
  const events: JobEvent[] = [];
  let to = from - 1;
  let ended = false;
  while (to < last && !ended) {
    const range = await getBlocks(node, { from: to + 1, to: Math.min(last, to + rangeBlocksMax) });
    let endHeight: number | undefined;
    for (const block of range.blocks) {
      for (const event of block.jobEvents) {
        if (!('request' in event) || event.request !== request) continue;
        events.push(event);
        if (event.type === 'settled' || event.type === 'refunded') endHeight = event.height;
      }
    }
    ended = endHeight !== undefined;
    // A node answers no height past the highest block it holds: short of `last` (a restart whose history lacks heights, before its next block), read no further.
    if (!ended && range.to <= to) break;
    to = endHeight ?? range.to;
  }
  return { request, from, to, events, ended, truncated: !ended && to < latest };
}
