import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { generateKeyPair, signTx, txHashOf } from '../../../log/index.ts';
import { verifyProof } from '../../../projections/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';
import type { Op, Tx } from '../../../schemas/index.ts';

// One real node on a dev genesis: its key owns /, validates and holds the supply.
let node: AinNode;
let dataDir: string;
const client = generateKeyPair();
let nonce = 0;
const sign = (op: Op): Tx => signTx({ key: client, op, nonce: ++nonce, time: 1_764_000_000_000 + nonce });

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(node.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text,
    body: (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, any>,
  };
}
const get = (path: string) => call('GET', path);
/** Waits (bounded) until a tx has its outcome in a block. */
async function landed(hash: string): Promise<Record<string, any>> {
  for (let i = 0; i < 300; i++) {
    const found = await get(`/v1/tx/${hash}`);
    if (found.status === 200) return found.body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`tx ${hash} did not land within 6 s`);
}

test.before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ain-api-'));
  const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 50 } } });
  node = await startNode({ config, logger: pino({ level: 'silent' }) });
  // The node's key owns /: let anyone write under /apps/$user what is theirs, and fund the client.
  const rule = signTx({ key: node.key, op: { type: 'set_rule', path: '/apps/$user', value: { write: 'auth.addr == $user' } }, nonce: 1, time: 1 });
  const fund = signTx({ key: node.key, op: { type: 'send', to: client.address, amount: '500' }, nonce: 2, time: 2 });
  const { status } = await call('POST', '/v1/txs', [rule, fund]);
  if (status !== 202) throw new Error(`setup txs refused with ${status}`);
  await landed(txHashOf(fund));
});
test.after.always(async () => {
  await node?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test.serial('a tx lands with its block, index and outcome; a refused one with its code and sentence', async (t) => {
  const ok = sign({ type: 'set_value', path: `/apps/${client.address}/name`, value: 'ann' });
  const denied = sign({ type: 'set_value', path: '/apps/someone-else/name', value: 'eve' });
  const tooMuch = sign({ type: 'send', to: node.key.address, amount: '100000' });
  const results = (await call('POST', '/v1/txs', [ok, denied, tooMuch])).body.results as { hash: string }[];
  const outcomes = await Promise.all(results.map((r) => landed(r.hash)));
  t.deepEqual(
    outcomes.map((o) => o.outcome.code),
    ['ok', 'RULE_DENIED', 'INSUFFICIENT_FUNDS'],
  );
  t.is(outcomes[0]!.hash, results[0]!.hash);
  t.is(typeof outcomes[0]!.height, 'number');
  t.is(typeof outcomes[0]!.index, 'number');
  t.regex(outcomes[2]!.outcome.message, /holds 500 AIN/);
});

test.serial('GET /v1/state reads a value with its height; a missing one is null; / reads the tree', async (t) => {
  const { body } = await get(`/v1/state/apps/${client.address}/name`);
  t.is(body.value, 'ann');
  t.true(body.height >= 1);
  t.is((await get('/v1/state/apps/nobody')).body.value, null);
  t.is((await get('/v1/state/')).body.path, '/');
  const bad = await get('/v1/state/apps/bad$label');
  t.is(bad.status, 400);
  t.is(bad.body.code, 'INVALID_PATH');
});

test.serial('GET /v1/proof gives a value, a Merkle proof and the final header it verifies against', async (t) => {
  const path = `/apps/${client.address}/name`;
  const { status, body } = await get(`/v1/proof${path}`);
  t.is(status, 200, JSON.stringify(body));
  t.is(body.value, 'ann');
  t.true(verifyProof(body.header.stateRoot, path, body.value, body.proof));
  t.false(verifyProof(body.header.stateRoot, path, 'eve', body.proof));
  const status2 = await get('/v1/status');
  t.true(status2.body.finalized >= body.height, 'the header was final when served');
  // Balances are in the tree, so an account's balance has a proof too.
  const balance = await get(`/v1/proof/accounts/${client.address}/balance`);
  t.true(verifyProof(balance.body.header.stateRoot, `/accounts/${client.address}/balance`, balance.body.value, balance.body.proof));
  const rule = await get('/v1/proof/apps/$user?kind=rules');
  t.deepEqual(rule.body.value, { write: 'auth.addr == $user' });
  t.is((await get('/v1/proof/apps?kind=colour')).body.code, 'BAD_SCHEMA');
});

test.serial('GET /v1/accounts gives balance, stake, nonce; a bad address is BAD_SCHEMA', async (t) => {
  const { body } = await get(`/v1/accounts/${client.address}`);
  t.like(body, { address: client.address, balance: '500', stake: '0', nonce });
  const validator = await get(`/v1/accounts/${node.key.address}`);
  t.is(validator.body.stake, '1000000');
  const bad = await get('/v1/accounts/0xnope');
  t.is(bad.status, 400);
  t.is(bad.body.code, 'BAD_SCHEMA');
});

test.serial('GET /v1/blocks/<h> and a range; blocks carry state and outcome roots and the final height', async (t) => {
  const latest = (await get('/v1/blocks/latest')).body;
  t.regex(latest.header.stateRoot, /^[0-9a-f]{64}$/);
  t.not(latest.header.stateRoot, '0'.repeat(64));
  t.regex(latest.header.outcomeRoot, /^[0-9a-f]{64}$/);
  t.true(latest.finalized.height >= 1);
  const range = (await get(`/v1/blocks?from=1&to=${latest.header.height}`)).body;
  t.is(range.blocks.length, latest.header.height);
  for (const [i, block] of range.blocks.entries()) if (i > 0) t.is(block.header.prevHash, range.blocks[i - 1].hash);
  t.deepEqual((await get(`/v1/blocks?from=1&limit=${latest.header.height}`)).body, range, 'from and limit: the same range');
  t.is((await get('/v1/blocks?from=5&to=1')).body.code, 'BAD_SCHEMA');
  t.is((await get('/v1/blocks?from=1&to=1000')).body.code, 'BAD_SCHEMA');
  t.is((await get('/v1/blocks?from=1&limit=101')).body.code, 'BAD_SCHEMA');
  t.is((await get('/v1/blocks?from=1&to=2&limit=2')).body.code, 'BAD_SCHEMA');
  t.is((await get('/v1/blocks?from=1')).body.code, 'BAD_SCHEMA');
  t.is((await get('/v1/blocks/0')).status, 400);
});

test.serial('GET /v1/tx of an unknown or malformed hash; unknown routes; oversized bodies', async (t) => {
  const unknown = await get(`/v1/tx/${'a'.repeat(64)}`);
  t.is(unknown.status, 404);
  t.is(unknown.body.code, 'NOT_FOUND');
  t.is((await get('/v1/tx/xyz')).body.code, 'BAD_SCHEMA');
  t.is((await get('/v1/nothing')).body.code, 'NOT_FOUND');
  const huge = await call('POST', '/v1/tx', { pad: 'x'.repeat(100_000) });
  t.is(huge.status, 413);
  t.is(huge.body.code, 'TX_TOO_LARGE');
});

test.serial('a URL that does not decode, or with a part too long to route, is 400 BAD_REQUEST, one of our codes', async (t) => {
  const bad = await get('/v1/state/%ED%A0%80');
  t.is(bad.status, 400);
  t.deepEqual(Object.keys(bad.body).sort(), ['code', 'message']);
  t.is(bad.body.code, 'BAD_REQUEST');
  t.regex(bad.body.message, /^The URL \/v1\/state\/%ED%A0%80 is not valid/);
  const long = await get(`/v1/accounts/0x${'a'.repeat(200)}`);
  t.deepEqual([long.status, long.body.code], [400, 'BAD_REQUEST']);
});

test.serial('GET /v1/health and /metrics (Prometheus text with txs, blocks, final height, outcomes, append latency)', async (t) => {
  const health = await get('/v1/health');
  t.like(health.body, { ok: true, problems: [] });
  t.true(['libsodium+node:crypto', 'node:crypto'].includes(health.body.verifier));
  const metrics = await get('/metrics');
  t.is(metrics.status, 200);
  t.regex(metrics.type, /text\/plain/);
  for (const name of [
    'ain_txs_in_total',
    'ain_blocks_total',
    'ain_finalized_height',
    'ain_tx_outcomes_total{code="RULE_DENIED"}',
    'ain_log_append_seconds_bucket',
    'ain_txs_refused_total',
    'ain_health_problem{code="LOG_UNAVAILABLE"} 0',
    'ain_health_problem{code="VALIDATORS_UNREACHABLE"} 0',
  ]) {
    t.true(metrics.text.includes(name), name);
  }
});
