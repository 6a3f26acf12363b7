import { merkleTree, sha256Hex, type MerkleTree } from '../../log/index.ts';
import { AinError, type TxAnswer } from '../../schemas/index.ts';
import type { BlockStore, BlockView, TxLocation } from '../blocks/index.ts';

export interface TxProofs {
  /** The answer of `GET /v1/tx/<hash>` for a tx found in the blocks: where it landed, and the proof of it. */
  answer(found: TxLocation): TxAnswer;
}

interface BlockTrees {
  readonly view: BlockView;
  readonly txs: MerkleTree;
  readonly outcomes: MerkleTree;
}

/**
 * Inclusion proofs of txs against their block's `txRoot` and `outcomeRoot`. A block's two trees
 * are kept for the `blocksMax` blocks asked of most recently, so the txs of one block (clients
 * polling for each of theirs) cost its trees once, then a path each.
 */
export function createTxProofs(blocks: Pick<BlockStore, 'get'>, blocksMax = 8): TxProofs {
  const trees = new Map<number, BlockTrees>();

  function treesOf(height: number): BlockTrees {
    const kept = trees.get(height);
    if (kept !== undefined) {
      trees.delete(height);
      trees.set(height, kept);
      return kept;
    }
    const view = blocks.get(height);
    if (view === undefined || view.txs.length === 0) {
      throw new AinError('NOT_FOUND', `Block ${height} is not held by this node any more, so no proof of its txs can be made.`);
    }
    const txs = merkleTree(view.txs.map((t) => t.hash));
    const outcomes = merkleTree(view.txs.map((t) => sha256Hex(`${t.hash}:${t.outcome.code}`)));
    // The block as held must be the block its header commits to; a node that differs says so rather than serve a proof that fails.
    if (txs.root !== view.header.txRoot || outcomes.root !== view.header.outcomeRoot) {
      throw new AinError('INTERNAL', `Block ${height} as this node holds it does not match its header's txRoot and outcomeRoot; see its log.`);
    }
    trees.set(height, { view, txs, outcomes });
    if (trees.size > blocksMax) trees.delete(trees.keys().next().value!);
    return { view, txs, outcomes };
  }

  return {
    answer(found) {
      const { view, txs, outcomes } = treesOf(found.height);
      const { index, size, path: txPath } = txs.proof(found.index);
      const proof = { index, size, txPath: [...txPath], outcomePath: [...outcomes.proof(found.index).path] };
      return { ...found, proof, blockHash: view.hash, header: view.header };
    },
  };
}
