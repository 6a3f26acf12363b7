import { z } from 'zod';
import { AinError, BlockHeight, NetAnswer, StatusAnswer } from '../../schemas/index.ts';
import type { BlockStore } from '../blocks/index.ts';
import { doc, type Api } from './openApi.ts';

export interface ReadRoutesOptions {
  readonly blocks: BlockStore;
  readonly status: () => Record<string, unknown>;
  /** The node on the peer-to-peer network (`GET /v1/net`); absent on a node without one. */
  readonly net?: () => object;
}

const HeightParam = z.strictObject({ height: BlockHeight });

/** Node status, its place on the network, and the blocks this node has cut. */
export function readRoutes(app: Api, { blocks, status, net }: ReadRoutesOptions): void {
  app.get(
    '/v1/status',
    doc('node', 'The node: its chain, shard, address, genesis, heights and whether it has caught up.', { response: { 200: StatusAnswer } }),
    async () => status(),
  );

  app.get(
    '/v1/net',
    doc('node', 'The node on the peer-to-peer network: its peers, the validators and whether their nodes answer, and where its consensus stands.', {
      response: { 200: NetAnswer },
    }),
    async () => {
      if (net === undefined) {
        throw new AinError('NOT_FOUND', 'This node is not on a peer-to-peer network: its config has no p2p section (ain net init writes one).');
      }
      return net();
    },
  );

  app.get(
    '/v1/blocks/:height',
    doc('blocks', 'A block: its hash, header, txs with their outcomes, and the final block as of it.', { params: HeightParam }),
    async (request) => {
      const { height } = request.params;
      const block = height === 'latest' ? blocks.latest() : blocks.get(height);
      if (block === undefined) {
        throw new AinError('NOT_FOUND', height === 'latest' ? 'No block has been cut yet.' : `Block ${height} is not known to this node.`);
      }
      return block;
    },
  );
}
