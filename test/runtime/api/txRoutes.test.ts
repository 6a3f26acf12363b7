import test from 'ava';
import { createApi } from '../../../runtime/api/index.ts';
import type { SubmitResult } from '../../../runtime/ingest/index.ts';
import { verifyChunk } from '../../../runtime/ingest/verifyChunk.ts';
import { createBlockStore } from '../../../runtime/node/blockStore.ts';

// The tx routes' body path with the node's real checks (verifyChunk) and no threads or log.
async function api() {
  const ingest = {
    async submit(texts: readonly string[]): Promise<SubmitResult[]> {
      return verifyChunk({ texts, options: { chain: 'ain-local', shard: '/', maxTxBytes: 4096 } }).outcomes.map((o, i) =>
        typeof o === 'string' ? { hash: o, offset: i } : o,
      );
    },
  };
  const app = createApi({ ingest, maxBatchTxs: 10, maxTxBytes: 4096, bodyBytesMax: 100_000, blocks: createBlockStore(), status: () => ({}) });
  await app.ready();
  return app;
}

test('a POST without a body is refused with BAD_JSON, not answered 500, whatever its content type says', async (t) => {
  const app = await api();
  t.teardown(() => app.close());
  for (const url of ['/v1/tx', '/v1/txs']) {
    for (const headers of [{}, { 'content-type': 'application/json' }, { 'content-type': 'text/plain' }]) {
      const response = await app.inject({ method: 'POST', url, headers });
      t.is(response.statusCode, 400, `${url} ${JSON.stringify(headers)}: ${response.body}`);
      t.is(response.json().code, 'BAD_JSON', `${url} ${JSON.stringify(headers)}`);
    }
  }
});
