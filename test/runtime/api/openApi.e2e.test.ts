import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { generateKeyPair, signTx, txHashOf } from '../../../log/index.ts';
import { answerHash, progressBodyHash, takeHash, waitForTx } from '../../../runtime/client/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';
import { signBlobAuth } from '../../../runtime/storage/index.ts';
import type { Op, Tx } from '../../../schemas/index.ts';

// Every operation /openapi.json documents answers on a real node, asked with real ids (a tx, an
// account, a job, a request, a shard, a blob it holds): none is the router's 404 or a 5xx.

let node: AinNode;
let dataDir: string;
const client = generateKeyPair();
let nonce = 0;
const sign = (op: Op): Tx => signTx({ key: client, op, nonce: ++nonce, time: Date.now() });
const ids = { tx: '', job: '', request: '', blob: '' };

/** Submits a tx of the client's and waits for its block; its outcome must be ok. */
async function send(op: Op): Promise<string> {
  const tx = sign(op);
  const response = await fetch(`${node.url}/v1/tx`, { method: 'POST', body: JSON.stringify(tx) });
  if (response.status !== 202) throw new Error(`${op.type} refused with ${response.status}: ${await response.text()}`);
  // Waits for the tx's block (the client's own poll, bounded), not for a time.
  const { outcome } = await waitForTx(node.url, txHashOf(tx), Date.now() + 60_000);
  if (outcome.code !== 'ok') throw new Error(`${op.type} came to ${outcome.code}`);
  return txHashOf(tx);
}

test.before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ain-openapi-'));
  const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 50 } } });
  node = await startNode({ config, logger: pino({ level: 'silent' }) });
  const rights = { write_rule: true, write_owner: true, write_function: true, branch_owner: true };
  await node.submit({ type: 'send', to: client.address, amount: '1000' });
  // The node's own key buys room in its Big Storage (free: it is the provider), for the blob below; the waited txs after it land it.
  await node.submit({ type: 'reserveStorage', provider: node.key.address, space: 1 << 20, ttl: 3_600_000 });
  await node.submit({ type: 'set_rule', path: '/apps/$user', value: { write: 'auth.addr == $user' } });
  // After the rule: from then on the client owns /apps (and may branch a shard of it).
  await node.submit({ type: 'set_owner', path: '/apps', value: { owners: { [client.address]: rights } } });
  // Its txs are in the log before the client's, so they are applied first.
  ids.tx = await send({ type: 'set_value', path: `/apps/${client.address}/hello`, value: 'world' });
  const schema = 'syntax = "proto3"; service Worker { rpc Calc (Req) returns (Res); } message Req { double y = 1; } message Res { double x = 1; }';
  ids.job = await send({ type: 'registerJob', job_specification: schema, fee: '1', challenge_fee: '5' });
  ids.request = await send({ type: 'requestJob', job_id: ids.job, job_input: { y: 4 }, reward: ['0', '10'], time_limit: 60_000 });
  const validator = generateKeyPair();
  const rules = { blockIntervalMs: 1000, reportPeriodMs: 600_000, timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 } };
  await send({ type: 'branch', path: '/apps/shard', validators: [{ address: validator.address, stake: '100' }], rules });
  const bytes = Buffer.from('a blob of the openapi test');
  ids.blob = createHash('sha256').update(bytes).digest('hex');
  const put = await fetch(`${node.url}/v1/blobs/${ids.blob}`, {
    method: 'PUT',
    headers: { authorization: signBlobAuth({ key: node.key, method: 'PUT', hash: ids.blob, timeMs: Date.now() }) },
    body: bytes,
  });
  if (put.status !== 201) throw new Error(`the blob was refused with ${put.status}: ${await put.text()}`);
});
test.after.always(async () => {
  await node?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A request for each documented operation, with ids the node holds. */
function requests(): Record<string, () => RequestInit & { url: string }> {
  const get = (url: string) => () => ({ url });
  const blobAuth = (method: 'GET' | 'PUT') => signBlobAuth({ key: node.key, method, hash: ids.blob, timeMs: Date.now() });
  return {
    'GET /openapi.json': get('/openapi.json'),
    'GET /metrics': get('/metrics'),
    'GET /v1/status': get('/v1/status'),
    'GET /v1/health': get('/v1/health'),
    'GET /v1/net': get('/v1/net'),
    'GET /v1/blocks': get('/v1/blocks?from=1&limit=5'),
    'GET /v1/blocks/{height}': get('/v1/blocks/1'),
    'GET /v1/tx/{hash}': get(`/v1/tx/${ids.tx}`),
    'POST /v1/tx': () => ({ url: '/v1/tx', method: 'POST', body: JSON.stringify(sign({ type: 'set_value', path: `/apps/${client.address}/one`, value: 1 })) }),
    'POST /v1/txs': () => ({
      url: '/v1/txs',
      method: 'POST',
      body: JSON.stringify([sign({ type: 'set_value', path: `/apps/${client.address}/two`, value: 2 })]),
    }),
    'GET /v1/state/{*}': get(`/v1/state/apps/${client.address}/hello`),
    'GET /v1/proof/{*}': get(`/v1/proof/apps/${client.address}/hello`),
    'GET /v1/accounts/{address}': get(`/v1/accounts/${client.address}`),
    'GET /v1/accounts/{address}/requests': get(`/v1/accounts/${client.address}/requests`),
    'GET /v1/jobs': get('/v1/jobs'),
    'GET /v1/jobs/{id}': get(`/v1/jobs/${ids.job}`),
    'GET /v1/jobs/{id}/explain': get(`/v1/jobs/${ids.job}/explain`),
    'GET /v1/jobs/{id}/reputation': get(`/v1/jobs/${ids.job}/reputation`),
    'GET /v1/requests': get(`/v1/requests?job=${ids.job}`),
    'GET /v1/requests/{id}/explain': get(`/v1/requests/${ids.request}/explain`),
    'POST /v1/requests/{id}/progress': () => {
      const body = { worker: node.key.address, events: [{ type: 'progress', fraction: 0.5 }] } as const;
      const hash = progressBodyHash(body);
      return {
        url: `/v1/requests/${ids.request}/progress`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: signBlobAuth({ key: node.key, method: 'PROGRESS', hash, timeMs: Date.now() }) },
        body: JSON.stringify(body),
      };
    },
    'GET /v1/nodes/{address}': get(`/v1/nodes/${client.address}`),
    'GET /v1/reputation/{address}': get(`/v1/reputation/${client.address}`),
    'GET /v1/reputation/{address}/history': get(`/v1/reputation/${client.address}/history`),
    'GET /v1/dashboard': get('/v1/dashboard'),
    'GET /v1/shards': get('/v1/shards'),
    'GET /v1/shards/{*}': get('/v1/shards/apps/shard'),
    'GET /v1/streams/{*}': get('/v1/streams/blocks?from=1'),
    'GET /v1/streams/mux': get('/v1/streams/mux?names=blocks,finality&from=1'),
    'PUT /v1/blobs/{hash}': () => ({
      url: `/v1/blobs/${ids.blob}`,
      method: 'PUT',
      headers: { authorization: blobAuth('PUT') },
      body: 'a blob of the openapi test',
    }),
    'GET /v1/blobs/{hash}': () => ({ url: `/v1/blobs/${ids.blob}`, headers: { authorization: blobAuth('GET') } }),
    'POST /v1/functions/{id}/invoke': () => ({
      url: '/v1/functions/shout/invoke',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/apps/x', input: 'hi' }),
    }),
    'GET /v1/functions/invocations': () => ({
      url: `/v1/functions/invocations?owner=${node.key.address}&waitMs=0`,
      headers: { authorization: signBlobAuth({ key: node.key, method: 'TAKE', hash: takeHash(node.key.address), timeMs: Date.now() }) },
    }),
    'POST /v1/functions/invocations/{invocation}': () => {
      const invocation = '0'.repeat(32);
      const answer = { output: 'late' };
      return {
        url: `/v1/functions/invocations/${invocation}`,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: signBlobAuth({ key: node.key, method: 'ANSWER', hash: answerHash(invocation, answer), timeMs: Date.now() }),
        },
        body: JSON.stringify(answer),
      };
    },
  };
}

test('every operation in /openapi.json answers on a real node, and the test asks each of them', async (t) => {
  t.timeout(60_000);
  const document = (await (await fetch(`${node.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  const asked = requests();
  t.deepEqual(operations.sort(), Object.keys(asked).sort(), 'a documented operation this test does not ask, or one it asks that is not documented');
  for (const operation of operations) {
    const { url, ...init } = asked[operation]!();
    const aborter = new AbortController();
    const response = await fetch(node.url + url, { ...init, signal: aborter.signal });
    // A stream goes on: its status and headers are the answer.
    const text = response.headers.get('content-type')?.startsWith('text/event-stream') ? (aborter.abort(), '') : await response.text();
    if (operation === 'GET /v1/net') {
      // This node has no p2p config: the route answers so, in its own words (not the router's).
      t.is(response.status, 404, operation);
      t.regex(text, /no p2p section/, operation);
      continue;
    }
    if (operation === 'POST /v1/requests/{id}/progress') {
      // The node's key is no worker of the request: the route checked the signature and refuses it in its own words.
      t.is(response.status, 403, `${operation}: ${text}`);
      t.regex(text, /NOT_ALLOWED.*only its workers report progress/, operation);
      continue;
    }
    if (operation === 'POST /v1/functions/{id}/invoke') {
      // No function is registered: the route looked it up and says so.
      t.is(response.status, 404, `${operation}: ${text}`);
      t.regex(text, /UNKNOWN_FUNCTION.*No function shout is registered/, operation);
      continue;
    }
    if (operation === 'POST /v1/functions/invocations/{invocation}') {
      // A signed answer to a call nobody made: the route checked the signature and refuses it in its own words.
      t.is(response.status, 404, `${operation}: ${text}`);
      t.regex(text, /NOT_FOUND.*waits for an answer here/, operation);
      continue;
    }
    t.true(response.status >= 200 && response.status < 300, `${operation}: ${response.status} ${text.slice(0, 300)}`);
  }
});
