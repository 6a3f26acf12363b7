import { blockHashOf, type Block } from '../../events/index.ts';
import type { BlockHeader } from '../../schemas/index.ts';

/** A block as the API serves it: header, hash and the hashes and offsets of its txs. */
export interface BlockView {
  readonly hash: string;
  readonly header: BlockHeader;
  readonly txs: readonly { readonly offset: number; readonly hash: string }[];
}

export interface BlockStore {
  add(block: Block): BlockView;
  get(height: number): BlockView | undefined;
  latest(): BlockView | undefined;
}

/**
 * The most recent blocks, in memory. Blocks are derived from the log, so nothing is lost
 * when they fall out: a restart cuts them again.
 */
export function createBlockStore(blocksMax = 10_000): BlockStore {
  const byHeight = new Map<number, BlockView>();
  let last: BlockView | undefined;
  return {
    add(block) {
      const view: BlockView = {
        hash: blockHashOf(block.header),
        header: block.header,
        txs: block.txs.map((t) => ({ offset: t.offset, hash: t.hash })),
      };
      byHeight.set(block.header.height, view);
      byHeight.delete(block.header.height - blocksMax);
      last = view;
      return view;
    },
    get: (height) => byHeight.get(height),
    latest: () => last,
  };
}
