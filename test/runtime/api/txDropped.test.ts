import test from 'ava';
import { createApi } from '../../../runtime/api/index.ts';
import { createBlockStore } from '../../../runtime/node/blockStore.ts';
import { newChain } from '../../actors/chain/proposals.ts';

// GET /v1/tx/<hash> of a tx in no block on a peer-to-peer node: TX_DROPPED for one its mempool
// dropped unapplied; for one its journal's replay found spent (the node was down when it went) only
// when the node's block history runs from height 1, which would hold it had it landed.

const from = '0x' + '1'.repeat(40);
const dropped = new Map([
  ['a'.repeat(64), { from, nonce: 4, spent: 7 }],
  ['b'.repeat(64), { from, nonce: 5, spent: 7, atReplay: true as const }],
]);

async function api(lowest: number) {
  const blocks = { ...createBlockStore(), lowest };
  const pendingTxs = { has: (hash: string) => hash === 'c'.repeat(64), dropped: (hash: string) => dropped.get(hash) };
  const app = createApi({
    ingest: { submit: async () => [] },
    maxBatchTxs: 10,
    maxTxBytes: 4096,
    bodyBytesMax: 100_000,
    blocks,
    status: () => ({}),
    ledger: newChain().ledger,
    waitFinal: async () => {},
    pendingTxs,
  });
  await app.ready();
  return app;
}

test('a tx dropped unapplied is TX_DROPPED; one found spent at a restart is too when the history runs from height 1, else NOT_FOUND', async (t) => {
  for (const lowest of [1, 40]) {
    const app = await api(lowest);
    t.teardown(() => app.close());
    const get = async (hash: string) => {
      const response = await app.inject({ method: 'GET', url: `/v1/tx/${hash}` });
      return { status: response.statusCode, body: response.json<{ code: string; details?: Record<string, unknown> }>() };
    };
    t.like(await get('a'.repeat(64)), { status: 410, body: { code: 'TX_DROPPED', details: { nonce: 4, spent: 7 } } }, `lowest ${lowest}`);
    t.like(
      await get('b'.repeat(64)),
      lowest === 1 ? { status: 410, body: { code: 'TX_DROPPED', details: { nonce: 5 } } } : { status: 404, body: { code: 'NOT_FOUND' } },
    );
    t.like(await get('c'.repeat(64)), { status: 404, body: { code: 'NOT_FOUND', details: { pending: true } } });
    t.like(await get('d'.repeat(64)), { status: 404, body: { code: 'NOT_FOUND' } });
  }
});
