import { z } from 'zod';
import { ratingHistoryOf, type RatingHistory } from '../../projections/index.ts';
import { Address, Hash } from '../../schemas/index.ts';
import { doc, type Api } from './openApi.ts';

export interface RatingRoutesOptions {
  /** Each node's recent Elo ratings, folded from the blocks this node applied (since it started or was restored). */
  readonly history: RatingHistory;
  /** The height of the latest block applied. */
  readonly height: () => number;
}

const AddressParam = z.strictObject({ address: Address });
const HistoryQuery = z.strictObject({
  job: Hash.optional().describe('Only this job’s points.'),
  limit: z.coerce.number().int().min(1).max(10_000).optional().describe('The latest this many points.'),
});

/**
 * `GET /v1/reputation/<address>/history[?job=&limit=]`: a node's Elo rating after each block that
 * changed it, oldest first, as far back as the node keeps (`kept`: points per node).
 */
export function ratingRoutes(app: Api, { history, height }: RatingRoutesOptions): void {
  const historyDoc = doc(
    'nodes',
    'A node’s Elo rating after each block that changed it (per job, oldest first): the blocks this node applied since it started, the last `kept` points of the node.',
    { params: AddressParam, querystring: HistoryQuery },
  );
  app.get('/v1/reputation/:address/history', historyDoc, async (request) => {
    const { address } = request.params;
    const { job, limit } = request.query;
    return {
      address,
      height: height(),
      kept: history.pointsMax,
      points: ratingHistoryOf(history, address, { ...(job === undefined ? {} : { job }), ...(limit === undefined ? {} : { limit }) }),
    };
  });
}
