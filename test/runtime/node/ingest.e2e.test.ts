import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { filter, firstValueFrom } from 'rxjs';
import { decodeTxRecord, generateKeyPair, openFileLog, openFileLogReader, signTx, txHashOf } from '../../../log/index.ts';
import { isAinError, type Op, type Tx } from '../../../schemas/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';
import { withDuplicateKey, withProtoKey } from '../../fixtures/ambiguousTxs.ts';

// One real node for the file: file log on disk, worker-thread verification, HTTP on loopback.
let node: AinNode;
let dataDir: string;
const client = generateKeyPair();
let nonce = 0;
const sign = (op: Op, overrides: Partial<Parameters<typeof signTx>[0]> = {}): Tx =>
  signTx({ key: client, op, nonce: ++nonce, time: 1_764_000_000_000 + nonce, ...overrides });
/** A JSON value nested `levels` deep: {"a":{"a":…1…}}. */
const deep = (levels: number): { [key: string]: never } => JSON.parse('{"a":'.repeat(levels) + '1' + '}'.repeat(levels)) as { [key: string]: never };
const setValue = (i: number): Op => ({ type: 'set_value', path: `/apps/test/${i}`, value: i });

async function post(path: string, body: string | unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await fetch(node.url + path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
const get = async (path: string) => {
  const response = await fetch(node.url + path);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};
/** Polls the API (bounded) until a block covers `offset`; the stream may have passed it already. */
async function blockCovering(offset: number): Promise<Record<string, any>> {
  for (let i = 0; i < 500; i++) {
    const latest = await get('/v1/blocks/latest');
    if (latest.status === 200 && latest.body.header.lastOffset >= offset) {
      for (let h = latest.body.header.height; h >= 1; h--) {
        const { body } = await get(`/v1/blocks/${h}`);
        if (body.header.firstOffset <= offset) return body;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no block covered offset ${offset} within 10 s`);
}
const lastOffset = async () => (await get('/v1/status')).body.lastOffset as number;
/** Waits (bounded) until the log stops growing: blocks cut, attested, and the chain idle. */
async function quiet(): Promise<void> {
  let last = -2;
  for (let i = 0; i < 100; i++) {
    const now = await lastOffset();
    if (now === last) return;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the log kept growing for 25 s');
}

test.before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ain-node-'));
  const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 2, block: { intervalMs: 50 }, maxBatchTxs: 50 } });
  node = await startNode({ config, logger: pino({ level: 'silent' }) });
});
test.after.always(async () => {
  await node?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test.serial('POST /v1/tx answers 202 with hash and offset once durable, and the record is in the log', async (t) => {
  const tx = sign(setValue(1));
  const { status, body } = await post('/v1/tx', tx);
  t.is(status, 202);
  t.is(body.hash, txHashOf(tx));
  t.is(typeof body.offset, 'number');
  t.is((await lastOffset()) >= body.offset, true);
});

test.serial('every kind of bad input gets its code and a sentence, and nothing is appended', async (t) => {
  const good = sign(setValue(2));
  const other = generateKeyPair();
  const cases: [string, string | unknown, number, string][] = [
    ['malformed JSON', '{"v":1,', 400, 'BAD_JSON'],
    ['empty body', '', 400, 'BAD_JSON'],
    ['a body far past one tx', `{"v":1,"pad":"${'x'.repeat(50_000)}"}`, 413, 'TX_TOO_LARGE'],
    ['nesting deeper than any node parses alike', sign({ type: 'set_value', path: '/deep', value: deep(100) }), 400, 'BAD_SCHEMA'],
    ['wrong types', { ...good, nonce: 'one' }, 400, 'BAD_SCHEMA'],
    ['unknown op', { ...good, op: { type: 'mint' } }, 400, 'BAD_SCHEMA'],
    ['oversized tx', sign({ type: 'set_value', path: '/big', value: 'x'.repeat(5000) }), 413, 'TX_TOO_LARGE'],
    ['wrong chain', sign(setValue(3), { chain: 'ain-other' }), 400, 'WRONG_CHAIN'],
    ['bad hex', { ...good, sig: 'g'.repeat(128) }, 400, 'BAD_HEX'],
    ['forged signature', { ...good, sig: signTx({ key: other, op: setValue(2), nonce: 1, time: 1 }).sig }, 400, 'BAD_SIGNATURE'],
    ['from does not match pub', { ...good, from: other.address }, 400, 'BAD_ADDRESS'],
  ];
  const before = await lastOffset();
  for (const [name, body, status, code] of cases) {
    const reply = await post('/v1/tx', body);
    t.is(reply.status, status, name);
    t.is(reply.body.code, code, name);
    t.true(typeof reply.body.message === 'string' && reply.body.message.length > 10, name);
  }
  // The node may still be cutting and attesting the earlier txs' blocks: what the log gained
  // meanwhile is its own cut markers and attestations, and none of these inputs.
  const reader = await openFileLogReader(join(dataDir, 'log'));
  const gained = await reader.read(before + 1).finally(() => reader.close());
  const own = (tx: Tx | null) => tx?.from === node.key.address && (tx.op.type === 'cut' || tx.op.type === 'attest');
  t.deepEqual(
    gained.map((r) => decodeTxRecord(r.offset, r.value).tx).filter((tx) => !own(tx)),
    [],
    'nothing was appended',
  );
});

test.serial('a tx whose JSON has a key named __proto__ or a key twice is 400 BAD_SCHEMA naming where, alone or in a batch', async (t) => {
  await quiet();
  const before = await lastOffset();
  const proto = await post('/v1/tx', withProtoKey(client, ++nonce, '/apps/test/proto'));
  t.deepEqual([proto.status, proto.body.code], [400, 'BAD_SCHEMA']);
  t.regex(proto.body.message, /^tx field "op\.value\.__proto__": a key named "__proto__" is refused/);
  const twice = await post('/v1/tx', withDuplicateKey(client, ++nonce));
  t.deepEqual([twice.status, twice.body.code], [400, 'BAD_SCHEMA']);
  t.regex(twice.body.message, /^tx field "op": the key appears more than once/);
  const batch = await post('/v1/txs', `[${withProtoKey(client, ++nonce)}, ${withDuplicateKey(client, ++nonce)}]`);
  t.deepEqual(
    batch.body.results.map((r: { code: string; message: string }) => [r.code, r.message.slice(0, r.message.indexOf(':'))]),
    [
      ['BAD_SCHEMA', 'tx field "op.value.__proto__"'],
      ['BAD_SCHEMA', 'tx field "op"'],
    ],
  );
  const wrapped = await post('/v1/txs', `{"txs":[${withDuplicateKey(client, ++nonce)}]}`);
  t.deepEqual([wrapped.status, wrapped.body.code], [400, 'BAD_SCHEMA']);
  t.regex(wrapped.body.message, /^batch field "txs\[0\]\.op": /);
  t.is(await lastOffset(), before, 'nothing was appended');
});

test.serial('a batch appends its valid txs in order, contiguously, and reports each refusal at its index', async (t) => {
  const txs = [sign(setValue(10)), { ...sign(setValue(11)), nonce: 0 }, sign(setValue(12)), 'junk', sign(setValue(13))];
  const { status, body } = await post('/v1/txs', txs);
  t.is(status, 202);
  t.is(body.accepted, 3);
  t.is(body.refused, 2);
  t.is(body.results[1].code, 'BAD_SIGNATURE');
  t.is(body.results[3].code, 'BAD_SCHEMA');
  const offsets = [0, 2, 4].map((i) => body.results[i].offset);
  t.deepEqual(offsets, [offsets[0], offsets[0] + 1, offsets[0] + 2]);
  t.deepEqual(
    [0, 2, 4].map((i) => body.results[i].hash),
    [0, 2, 4].map((i) => txHashOf(txs[i] as Tx)),
  );
});

test.serial('a batch over the limit is BATCH_TOO_LARGE; a batch that is not a list is BAD_SCHEMA', async (t) => {
  const tooMany = await post(
    '/v1/txs',
    Array.from({ length: 51 }, (_, i) => sign(setValue(100 + i))),
  );
  t.is(tooMany.status, 413);
  t.is(tooMany.body.code, 'BATCH_TOO_LARGE');
  const notAList = await post('/v1/txs', { hello: 1 });
  t.is(notAList.body.code, 'BAD_SCHEMA');
  const broken = await post('/v1/txs', `[${JSON.stringify(sign(setValue(150)))}`);
  t.is(broken.status, 400);
  t.is(broken.body.code, 'BAD_JSON');
  const oneBadElement = await post('/v1/txs', `[${JSON.stringify(sign(setValue(151)))}, {"v":1 "x":2}]`);
  t.is(oneBadElement.body.results[1].code, 'BAD_JSON', 'an element that is not JSON is refused on its own');
  t.is(oneBadElement.body.accepted, 1);
  t.deepEqual((await post('/v1/txs', { txs: [sign(setValue(200))] })).body.accepted, 1);
});

test.serial('a retried tx gets its first offset back instead of a second append', async (t) => {
  const tx = sign(setValue(300));
  const first = await post('/v1/tx', tx);
  const again = await post('/v1/tx', tx);
  t.deepEqual(again.body, first.body);
  const inBatch = await post('/v1/txs', [tx, tx]);
  t.deepEqual(inBatch.body.results, [first.body, first.body]);
});

test.serial('the proposer cuts blocks that cover what was appended; blocks are served', async (t) => {
  const { body } = await post('/v1/tx', sign(setValue(400)));
  const streamed = await firstValueFrom(node.blocks$.pipe(filter((b) => b.header.lastOffset >= body.offset)));
  const block = await blockCovering(body.offset);
  t.is(streamed.hash, block.hash, 'the stream and the API agree');
  t.true(block.txs.some((x: { hash: string }) => x.hash === body.hash));
  const latest = await get('/v1/blocks/latest');
  t.is(latest.status, 200);
  t.true(latest.body.header.height >= block.header.height);
  const byHeight = await get(`/v1/blocks/${block.header.height}`);
  t.is(byHeight.body.hash, block.hash);
  t.is((await get('/v1/blocks/999999')).body.code, 'NOT_FOUND');
  t.is((await get('/v1/nothing-here')).body.code, 'NOT_FOUND');
});

test.serial('a second node on a busy port or on the same data dir gets a clear error and leaves nothing running', async (t) => {
  const port = Number(new URL(node.url).port);
  const otherDir = await mkdtemp(join(tmpdir(), 'ain-node-'));
  t.teardown(() => rm(otherDir, { recursive: true, force: true }));
  const busyPort = await t.throwsAsync(startNode({ config: await loadConfig({ flags: { dataDir: otherDir, port } }), logger: pino({ level: 'silent' }) }));
  t.true(isAinError(busyPort, 'BAD_CONFIG'));
  t.regex(busyPort!.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  const sameDir = await t.throwsAsync(startNode({ config: await loadConfig({ flags: { dataDir, port: 0 } }), logger: pino({ level: 'silent' }) }));
  t.true(isAinError(sameDir, 'LOG_LOCKED'));
  // The first node still works, and the failed start released what it took (the port is free).
  t.is((await post('/v1/tx', sign(setValue(450)))).status, 202);
  const again = await startNode({ config: await loadConfig({ flags: { dataDir: otherDir, port: 0 } }), logger: pino({ level: 'silent' }) });
  await again.stop();
});

test.serial('after stop, the log on disk holds every acknowledged tx, and a restarted node cuts the same blocks', async (t) => {
  const { body } = await post('/v1/tx', sign(setValue(500)));
  const cut = await blockCovering(body.offset);
  await node.stop();
  const log = await openFileLog({ dir: join(dataDir, 'log') });
  const records = await log.read(0);
  await log.close();
  t.true(records.some((r) => decodeTxRecord(r.offset, r.value).hash === body.hash));
  const config = await loadConfig({ flags: { dataDir, port: 0, block: { intervalMs: 50 } } });
  // Without snapshots the node replays its whole log and cuts the same blocks again.
  await rm(join(dataDir, 'snapshots'), { recursive: true, force: true });
  node = await startNode({ config, logger: pino({ level: 'silent' }) });
  const again = await blockCovering(body.offset);
  t.is(again.hash, cut.hash);
  await quiet();
  const replayed = { height: node.ledger.height, root: node.ledger.tree.root() };
  const lastHash = node.blocks.get(replayed.height)!.hash;
  // With the snapshot it wrote on stop, it resumes at the same height and root without replaying.
  await node.stop();
  node = await startNode({ config, logger: pino({ level: 'silent' }) });
  t.deepEqual({ height: node.ledger.height, root: node.ledger.tree.root() }, replayed);
  t.is((await get('/v1/status')).body.restoredFrom, replayed.height, 'nothing was replayed');
  t.is(node.blocks.get(replayed.height)?.hash, lastHash, 'its last block is served from the block history');
});
