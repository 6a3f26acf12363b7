import test from 'ava';
import { applyRatingHistory, createRatingHistory } from '../../../projections/index.ts';
import { createApi } from '../../../runtime/api/index.ts';
import { createBlockStore } from '../../../runtime/node/blockStore.ts';

// GET /v1/reputation/<address>/history over a rating history the test folds.

const job = 'ab'.repeat(32);
const node = '0x' + '1'.repeat(40);

test('a node’s Elo history answers its points oldest first, one job’s, the latest few; a bad address or limit is BAD_SCHEMA', async (t) => {
  const history = createRatingHistory();
  for (let h = 1; h <= 4; h++) applyRatingHistory(history, h, h * 1000, [{ job, node, rating: 1500 + h, games: h }]);
  const app = createApi({
    ingest: { submit: async () => [] },
    maxBatchTxs: 10,
    maxTxBytes: 4096,
    bodyBytesMax: 100_000,
    blocks: createBlockStore(),
    status: () => ({}),
    ratings: { history, height: () => 4 },
  });
  t.teardown(() => app.close());
  const all = (await app.inject({ url: `/v1/reputation/${node}/history` })).json();
  t.like(all, { address: node, height: 4, kept: 500 });
  t.deepEqual(
    all.points.map((p: { height: number; rating: number }) => [p.height, p.rating]),
    [
      [1, 1501],
      [2, 1502],
      [3, 1503],
      [4, 1504],
    ],
  );
  t.deepEqual(
    (await app.inject({ url: `/v1/reputation/${node}/history?job=${job}&limit=2` })).json().points.map((p: { height: number }) => p.height),
    [3, 4],
  );
  t.deepEqual((await app.inject({ url: `/v1/reputation/${node}/history?job=${'cd'.repeat(32)}` })).json().points, []);
  for (const url of [`/v1/reputation/0xnope/history`, `/v1/reputation/${node}/history?limit=0`]) {
    const answer = await app.inject({ url });
    t.is(answer.statusCode, 400, url);
    t.is(answer.json().code, 'BAD_SCHEMA', url);
  }
});
