import test from 'ava';
import { createServer } from 'node:http';
import { Subject } from 'rxjs';
import { isAinError } from '../../../schemas/index.ts';
import { createShardProofLinks } from '../../../runtime/node/shardProofs.ts';

// The link of a chained proof, against a stand-in parent node: it waits for the shard's next
// block, then for the parent's record of it (asking past a parent that does not answer), and
// says NOT_REPORTED when either does not come in time.

const genesisHash = 'a'.repeat(64);
const headerAt = (height: number) => ({
  chain: 'ain-test',
  shard: '/apps/x',
  height,
  prevHash: String(height - 1).padStart(64, '0'),
  txRoot: 'b'.repeat(64),
  recordsRoot: 'd'.repeat(64),
  outcomeRoot: 'c'.repeat(64),
  stateRoot: String(height).padStart(64, 'f'),
  time: 1000 * height,
  proposer: '0x' + '1'.repeat(40),
  firstOffset: height,
  lastOffset: height,
});

/** A parent node that answers the record's proof with no value `missing` times, then with one. */
async function parentNode(t: { teardown(fn: () => unknown): void }, missing: number) {
  const asked: string[] = [];
  const server = createServer((request, response) => {
    asked.push(request.url ?? '');
    const value = asked.length > missing ? { hash: 'd'.repeat(64), proposal: 'e'.repeat(64), stateRoot: 'f'.repeat(64), time: 3000 } : null;
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ path: request.url, value, proof: [], height: 9, hash: '9'.repeat(64), header: {} }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, asked };
}

function shardNode(heights: number[], urls: string[], waitMs = 5_000) {
  const held = new Map(heights.map((h) => [h, { header: headerAt(h) }]));
  const blocks$ = new Subject<{ header: ReturnType<typeof headerAt> }>();
  const linkOf = createShardProofLinks({
    shard: '/apps/x',
    genesisHash,
    parent: { urls },
    blocks: { get: (height) => held.get(height) as never },
    blocks$: blocks$ as never,
    waitMs,
    now: Date.now,
  });
  const apply = (height: number) => {
    held.set(height, { header: headerAt(height) });
    blocks$.next({ header: headerAt(height) });
  };
  return { linkOf, apply };
}

test('the link waits for the next block, then for its record on a parent (past one that does not answer)', async (t) => {
  const parent = await parentNode(t, 2);
  const { linkOf, apply } = shardNode([4], ['http://127.0.0.1:9', parent.url]);
  const link = linkOf(4);
  apply(5);
  const { url, genesis, next, record } = await link;
  t.is(url, parent.url);
  t.is(genesis, genesisHash);
  t.like(next, { height: 5, lastRoot: headerAt(4).stateRoot });
  t.is(record.height, 9);
  t.deepEqual(parent.asked, Array(3).fill(`/v1/proof/consensus/shards/${genesisHash}/5`));
});

test('no next block in time, or no record of it: NOT_REPORTED saying which', async (t) => {
  const idle = shardNode([4], ['http://127.0.0.1:9'], 300);
  const notMade = await t.throwsAsync(idle.linkOf(4));
  t.true(isAinError(notMade, 'NOT_REPORTED'));
  t.regex(notMade!.message, /Block 5 of shard \/apps\/x, whose proposal certifies the state after block 4, was not made within 300 ms/);
  const parent = await parentNode(t, Number.MAX_SAFE_INTEGER);
  const unrecorded = shardNode([4, 5], [parent.url], 600);
  const late = await t.throwsAsync(unrecorded.linkOf(4));
  t.true(isAinError(late, 'NOT_REPORTED'));
  t.regex(late!.message, /is not recorded on the parent \(asked http:\/\/127\.0\.0\.1:\d+\)/);
});
