import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { keyPairFromSeed } from '../../../log/index.ts';
import { createApi } from '../../../runtime/api/index.ts';
import type { BlockStore, BlockView } from '../../../runtime/blocks/index.ts';
import { createBlockStore } from '../../../runtime/node/blockStore.ts';
import { blocksInRange, BlocksByRangeRequest, createNetService, type NetServiceComponents } from '../../../runtime/node/netService.ts';
import { defaultMempoolConfig, isAinError, safeParse } from '../../../schemas/index.ts';

// The parts of the net service that need no network: the bounds of a blocks-by-range answer, the
// request's schema, and GET /v1/net. The service itself runs in net.e2e.test.ts.

/** A block of `padBytes` of JSON padding (in its outcome message) at `height`. */
const viewAt = (height: number, padBytes = 0): BlockView =>
  ({
    hash: `h${height}`,
    header: { height },
    txs: padBytes === 0 ? [] : [{ offset: height, hash: `t${height}`, outcome: { code: 'OK', message: 'x'.repeat(padBytes) } }],
    finalized: { height: 0, hash: 'g' },
    jobEvents: [],
    triggers: [],
  }) as unknown as BlockView;

/** A store holding heights 1…top (3 left out), each `padBytes` big. */
function storeOf(top: number, padBytes: number): Pick<BlockStore, 'blocks'> {
  return {
    blocks: (from, to) => ({
      blocks: Array.from({ length: to - from + 1 }, (_, i) => from + i)
        .filter((h) => h <= top && h !== 3)
        .map((h) => viewAt(h, padBytes)),
      to,
    }),
  };
}

test('blocks-by-range answers the blocks held, stops before the one that would pass the answer limit, and refuses one block over it (NET_TOO_LARGE)', (t) => {
  const all = blocksInRange(storeOf(5, 10) as BlockStore, 1, 10, 1_000_000);
  t.deepEqual(
    all.blocks.map((b) => b.header.height),
    [1, 2, 4, 5],
  );
  t.is(all.to, 10, 'heights not held are covered too');
  const size = Buffer.byteLength(JSON.stringify(viewAt(1, 1000)));
  const cut = blocksInRange(storeOf(10, 1000) as BlockStore, 1, 10, 256 + 2 * (size + 10));
  t.deepEqual(
    cut.blocks.map((b) => b.header.height),
    [1, 2],
  );
  t.is(cut.to, 3, 'ask again from to + 1');
  t.true(Buffer.byteLength(JSON.stringify(cut)) <= 256 + 2 * (size + 10));
  const error = t.throws(() => blocksInRange(storeOf(10, 1000) as BlockStore, 1, 10, 500));
  t.true(isAinError(error, 'NET_TOO_LARGE'));
});

test('a blocks-by-range request is { from ≥ 1, count 1…64 } and nothing else', (t) => {
  t.true(safeParse(BlocksByRangeRequest, { from: 1, count: 64 }).success);
  for (const bad of [
    { from: 0, count: 1 },
    { from: 1, count: 65 },
    { from: 1, count: 0 },
    { from: 1.5, count: 1 },
    { from: 1, count: 1, more: 1 },
    { from: '1', count: 1 },
    [],
  ]) {
    t.false(safeParse(BlocksByRangeRequest, bad).success, JSON.stringify(bad));
  }
});

test('GET /v1/net answers what the net service says, and NOT_FOUND (404) on a node without p2p', async (t) => {
  const options = {
    ingest: { submit: async () => [] },
    maxBatchTxs: 10,
    maxTxBytes: 4096,
    bodyBytesMax: 100_000,
    blocks: createBlockStore(),
    status: () => ({}),
  };
  const without = createApi(options);
  t.teardown(() => without.close());
  const refused = await without.inject({ method: 'GET', url: '/v1/net' });
  t.is(refused.statusCode, 404);
  t.like(refused.json(), { code: 'NOT_FOUND' });
  t.regex(refused.json().message, /no p2p section/);
  const info = { peerId: '12D3KooW', addresses: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooW'], peers: [], validators: [{ address: '0xab', stake: '1' }], height: 0 };
  const withNet = createApi({ ...options, net: () => info });
  t.teardown(() => withNet.close());
  t.deepEqual((await withNet.inject({ method: 'GET', url: '/v1/net' })).json(), info);
});

test('a p2p port that is taken is BAD_CONFIG naming it, and the peer key made for the node stays', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ain-netservice-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const components = {
    config: { dataDir, host: '127.0.0.1' },
    logger: pino({ level: 'silent' }),
    genesis: { chain: 'ain-local', shard: '/' },
    genesisHash: 'c'.repeat(64),
    key: keyPairFromSeed('11'.repeat(32)),
    now: Date.now,
  } as unknown as NetServiceComponents;
  const net = await createNetService(components, {
    port,
    bootstrap: [],
    announce: [],
    dialConfiguredOnly: false,
    validatorMesh: false,
    mempool: defaultMempoolConfig,
  });
  const error = await t.throwsAsync(net.start());
  t.true(isAinError(error, 'BAD_CONFIG'), error?.message);
  t.regex(error!.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  const again = await createNetService(components, {
    port: 0,
    bootstrap: [],
    announce: [],
    dialConfiguredOnly: false,
    validatorMesh: false,
    mempool: defaultMempoolConfig,
  });
  t.is(again.transport.peerId, net.transport.peerId, 'the same p2p.key');
});
