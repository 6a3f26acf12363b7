import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AinError, parseOrThrow } from '../../schemas/index.ts';
import type { BlockStore } from '../blocks/index.ts';

export interface ReadRoutesOptions {
  readonly blocks: BlockStore;
  readonly status: () => Record<string, unknown>;
  /** The node on the peer-to-peer network (`GET /v1/net`); absent on a node without one. */
  readonly net?: () => object;
}

const HeightParam = z.strictObject({ height: z.union([z.literal('latest'), z.coerce.number().int().min(1)]) });

/** Node status, its place on the network, and the blocks this node has cut. */
export function readRoutes(app: FastifyInstance, { blocks, status, net }: ReadRoutesOptions): void {
  app.get('/v1/status', async () => status());

  app.get('/v1/net', async () => {
    if (net === undefined) {
      throw new AinError('NOT_FOUND', 'This node is not on a peer-to-peer network: its config has no p2p section (ain net init writes one).');
    }
    return net();
  });

  app.get('/v1/blocks/:height', async (request) => {
    const { height } = parseOrThrow(HeightParam, request.params, 'path');
    const block = height === 'latest' ? blocks.latest() : blocks.get(height);
    if (block === undefined) {
      throw new AinError('NOT_FOUND', height === 'latest' ? 'No block has been cut yet.' : `Block ${height} is not known to this node.`);
    }
    return block;
  });
}
