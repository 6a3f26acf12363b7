import test from 'ava';
import { createApi } from '../../../runtime/api/index.ts';
import { createBlockStore, type BlockHistory } from '../../../runtime/node/blockStore.ts';
import { newChain } from '../../actors/chain/proposals.ts';

// GET /v1/tx/<hash> of a tx in no block on a peer-to-peer node: TX_DROPPED for one its mempool
// dropped unapplied; for one its journal's replay found spent (the node was down when it went) only
// when the node's block history lacked no height up to that start, so it would hold it had it landed.

const from = '0x' + '1'.repeat(40);
const dropped = new Map([
  ['a'.repeat(64), { from, nonce: 4, spent: 7 }],
  ['b'.repeat(64), { from, nonce: 5, spent: 7, atReplay: true as const }],
]);

async function api(wholeSinceStart: boolean) {
  const blocks = { ...createBlockStore(), wholeSinceStart };
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

test('a tx dropped unapplied is TX_DROPPED; one found spent at a restart is too when the history was whole at the start, else NOT_FOUND', async (t) => {
  for (const whole of [true, false]) {
    const app = await api(whole);
    t.teardown(() => app.close());
    const get = async (hash: string) => {
      const response = await app.inject({ method: 'GET', url: `/v1/tx/${hash}` });
      return { status: response.statusCode, body: response.json<{ code: string; details?: Record<string, unknown> }>() };
    };
    t.like(await get('a'.repeat(64)), { status: 410, body: { code: 'TX_DROPPED', details: { nonce: 4, spent: 7 } } }, `whole: ${whole}`);
    t.like(
      await get('b'.repeat(64)),
      whole ? { status: 410, body: { code: 'TX_DROPPED', details: { nonce: 5 } } } : { status: 404, body: { code: 'NOT_FOUND' } },
    );
    t.like(await get('c'.repeat(64)), { status: 404, body: { code: 'NOT_FOUND', details: { pending: true } } });
    t.like(await get('d'.repeat(64)), { status: 404, body: { code: 'NOT_FOUND' } });
  }
});

test('a block store is whole since its start only with a history that lacked no height up to it and has not failed', (t) => {
  const history = (missingAtOpen: number, failed: boolean) => ({ missingAtOpen, failed, lowest: 0, highest: 0 }) as unknown as BlockHistory;
  t.false(createBlockStore().wholeSinceStart, 'no history: the blocks before this process are not held');
  t.true(createBlockStore({ history: history(0, false) }).wholeSinceStart);
  t.false(createBlockStore({ history: history(3, false) }).wholeSinceStart, 'heights missing at the start (a rebuild may be filling them)');
  t.false(createBlockStore({ history: history(0, true) }).wholeSinceStart, 'a write failed');
});
