import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { generateKeyPair, signTx, txHashOf, type KeyPair } from '../../../log/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';
import { readStream } from '../../../runtime/client/index.ts';
import type { StreamEvent } from '../../../runtime/streams/index.ts';
import type { Op } from '../../../schemas/index.ts';

// The paper's session (§2.2.3) on a real node (file log, HTTP, block time from its clock): the
// job API reads, and the streams followed from the start match the fold block for block.

/**
 * The node's clock, which block time follows: it moves only when a test passes time, so a
 * request's time limit runs out when the test has done its part, however slow the machine.
 */
let clockMs = Date.now();
const passTime = (ms: number) => void (clockMs += ms);

let node: AinNode;
let dataDir: string;
const admin = generateKeyPair();
const evaluator = generateKeyPair();
const w1 = generateKeyPair();
const w2 = generateKeyPair();
const client = generateKeyPair();
const nonces = new Map<string, number>();
const schemaText = 'syntax = "proto3"; service Worker { rpc Calc (Req) returns (Res); } message Req { double y = 1; } message Res { double x = 1; }';

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(node.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
const get = (path: string) => call('GET', path);

/** Signs, submits and waits (bounded) until the tx has its outcome; returns the code and the tx hash. */
async function send(key: KeyPair, op: Op): Promise<{ code: string; id: string }> {
  const nonce = (nonces.get(key.address) ?? 0) + 1;
  nonces.set(key.address, nonce);
  const tx = signTx({ key, op, nonce, time: Date.now() });
  const { status } = await call('POST', '/v1/tx', tx);
  if (status !== 202) throw new Error(`${op.type} refused at the boundary with ${status}`);
  const id = txHashOf(tx);
  for (let i = 0; i < 500; i++) {
    const found = await get(`/v1/tx/${id}`);
    if (found.status === 200) return { code: found.body.outcome.code, id };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${op.type} did not land within 5 s`);
}

async function untilState(request: string, state: string): Promise<Record<string, any>> {
  for (let i = 0; i < 500; i++) {
    const { body } = await get(`/v1/jobs/${request}`);
    if (body.state === state) return body;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`request did not reach ${state} within 5 s`);
}

/** Collects a stream's events in the background until `stop` is called. */
function collect(name: string, options: { fromHeight?: number; lastEventId?: number } = {}) {
  const aborter = new AbortController();
  const events: StreamEvent[] = [];
  const done = (async () => {
    for await (const event of readStream(node.url, name, { ...options, signal: aborter.signal })) events.push(event);
  })();
  return { events, stop: async () => (aborter.abort(), await done) };
}

test.before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ain-jobs-'));
  const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 50 } } });
  node = await startNode({ config, logger: pino({ level: 'silent' }), now: () => clockMs });
  // The node's own key also signs cut markers and attestations: its txs go through node.submit.
  for (const key of [admin, evaluator, w1, w2, client]) await node.submit({ type: 'send', to: key.address, amount: '1000' });
  for (let i = 0; i < 500; i++) {
    const { body } = await get(`/v1/accounts/${client.address}`);
    if (body.balance === '1000') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the parties were not funded within 5 s');
});
test.after.always(async () => {
  await node?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test.serial('the paper’s session on a node: register, approve, request, accept, submit, rank, accept; reads and streams agree with the fold', async (t) => {
  t.timeout(60_000);
  const jobs = collect('jobs', { fromHeight: 1 });
  const blocks = collect('blocks', { fromHeight: 1 });
  const w1Account = collect(`accounts/${w1.address}`);

  const { id: job } = await send(admin, { type: 'registerJob', job_specification: schemaText, fee: '1', challenge_fee: '5' });
  for (const [key, role] of [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
    [w2, 'worker'],
  ] as const) {
    t.is((await send(key, { type: 'applyJob', job_id: job, role })).code, 'ok');
    t.is((await send(admin, { type: 'approveNode', job_id: job, node: key.address, role })).code, 'ok');
  }
  const { id: request, code } = await send(client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 1500 });
  t.is(code, 'ok');
  t.is((await send(evaluator, { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' })).code, 'ok');
  for (const [key, x] of [
    [w1, 2],
    [w2, 2.1],
  ] as const) {
    t.is((await send(key, { type: 'acceptJob', request_id: request, role: 'worker' })).code, 'ok');
    t.is((await send(key, { type: 'submitResult', request_id: request, result: { x } })).code, 'ok');
  }
  passTime(1500);
  const ranking = await untilState(request, 'ranking');
  t.deepEqual(ranking.results, { [w1.address]: { x: 2 }, [w2.address]: { x: 2.1 } });
  t.deepEqual(ranking.input, { y: 4 });
  t.is((await send(evaluator, { type: 'rank', request_id: request, ranking: [w1.address, w2.address] })).code, 'ok');
  t.is((await send(client, { type: 'acceptResult', request_id: request })).code, 'ok');
  const settled = await untilState(request, 'settled');
  t.deepEqual(settled.ranking, [w1.address, w2.address]);

  // Reads.
  const listed = (await get('/v1/jobs')).body;
  t.is(listed.jobs.length, 1);
  t.like(listed.jobs[0], { id: job, admin: admin.address, stats: '1 evaluator, 2 workers running' });
  const schema = (await get(`/v1/jobs/${job}`)).body;
  t.like(schema, { kind: 'job', spec: { type: 'registerJob', job_specification: schemaText } });
  t.is(schema.nodes.length, 4);
  t.like((await get(`/v1/nodes/${w1.address}`)).body, { balance: '1010', jobs: [{ job, state: 'approved', role: 'worker', parent: admin.address }] });
  const reputation = (await get(`/v1/reputation/${w1.address}`)).body.jobs[0];
  t.like(reputation, { job, jobsDone: 1, submitted: 1, parent: admin.address });
  t.true(reputation.rating > 1500);
  t.true((await get(`/v1/reputation/${w2.address}`)).body.jobs[0].rating < 1500);
  t.like((await get(`/v1/dashboard?job=${job}`)).body, { stats: '1 evaluator, 2 workers running', dashboard: { requests: 1, settled: 1, openRequests: 0 } });
  t.like((await get(`/v1/accounts/${admin.address}`)).body, { balance: '1001' });
  t.is((await get(`/v1/jobs/${'0'.repeat(64)}`)).body.code, 'UNKNOWN_JOB');
  t.is((await get('/v1/jobs/nope')).body.code, 'BAD_SCHEMA');
  t.is((await get('/v1/dashboard?job=zz')).body.code, 'BAD_SCHEMA');

  // Streams: what arrived equals the fold, block by block.
  const height = node.ledger.height;
  for (let i = 0; i < 200 && (blocks.events.at(-1)?.id ?? 0) < height; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await Promise.all([jobs.stop(), blocks.stop(), w1Account.stop()]);
  const folded = [];
  for (let h = 1; h <= height; h++) {
    const view = node.blocks.get(h)!;
    if (view.jobEvents.length > 0) folded.push({ id: h, events: view.jobEvents });
  }
  const streamed = jobs.events.filter((e) => e.id <= height).map((e) => ({ id: e.id, events: (e.data as { events: unknown }).events }));
  t.deepEqual(streamed, JSON.parse(JSON.stringify(folded)));
  t.deepEqual(
    blocks.events.filter((e) => e.id <= height).map((e) => e.id),
    Array.from({ length: height }, (_, i) => i + 1),
  );
  const accountStates = w1Account.events.map((e) => `${(e.data as { balance: string }).balance} nonce ${(e.data as { nonce: number }).nonce}`);
  t.is(accountStates.at(-1), '1010 nonce 3'); // applyJob, acceptJob, submitResult
  t.deepEqual(accountStates, [...new Set(accountStates)]); // sent only when the account changed

  // Resume: a client that read up to some event reconnects with Last-Event-ID and gets the rest, once each.
  const cut = streamed[Math.floor(streamed.length / 2)]!.id;
  const resumed = collect('jobs', { lastEventId: cut });
  for (let i = 0; i < 200 && (resumed.events.at(-1)?.id ?? 0) < folded.at(-1)!.id; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await resumed.stop();
  t.deepEqual(
    [...streamed.filter((e) => e.id <= cut).map((e) => e.id), ...resumed.events.filter((e) => e.id <= height).map((e) => e.id)],
    folded.map((e) => e.id),
  );
});

test.serial(
  'resolution on the node: a challenge upheld refunds the client with the deposit; a rejected one pays its fee to the admin and the client then accepts',
  async (t) => {
    t.timeout(60_000);
    const { id: job } = (await get('/v1/jobs')).body.jobs[0] as { id: string };
    const balances = async (): Promise<Record<string, bigint>> =>
      Object.fromEntries(
        await Promise.all(
          [admin, evaluator, w1, client].map(async (k) => [k.address, BigInt((await get(`/v1/accounts/${k.address}`)).body.balance as string)] as const),
        ),
      );
    const before = await balances();
    const requests: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { id } = await send(client, { type: 'requestJob', job_id: job, job_input: { y: 9 }, reward: ['0', '10'], time_limit: 1500 });
      t.is((await send(evaluator, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '20' })).code, 'ok');
      t.is((await send(w1, { type: 'acceptJob', request_id: id, role: 'worker' })).code, 'ok');
      t.is((await send(w1, { type: 'submitResult', request_id: id, result: { x: 3 } })).code, 'ok');
      requests.push(id);
    }
    passTime(1500);
    const [upheld, rejected] = requests as [string, string];
    for (const id of requests) {
      await untilState(id, 'ranking');
      t.is((await send(evaluator, { type: 'rank', request_id: id, ranking: [w1.address] })).code, 'ok');
      t.is((await send(client, { type: 'challenge', request_id: id, reason: 'x*x is not 9' })).code, 'ok');
    }
    t.is((await send(w1, { type: 'resolveChallenge', request_id: upheld, uphold: true })).code, 'NOT_ALLOWED');
    t.is((await send(admin, { type: 'resolveChallenge', request_id: upheld, uphold: true })).code, 'ok');
    t.like(await untilState(upheld, 'refunded'), { refundReason: 'challengeUpheld' });
    t.is((await send(admin, { type: 'resolveChallenge', request_id: rejected, uphold: false })).code, 'ok');
    await untilState(rejected, 'ranked');
    t.is((await send(client, { type: 'acceptResult', request_id: rejected })).code, 'ok');
    await untilState(rejected, 'settled');
    const after = await balances();
    // Upheld: the client loses nothing and gains the deposit (20); rejected: it pays reward 10, fee 1, challenge fee 5.
    t.is(after[client.address]! - before[client.address]!, 20n - 16n);
    t.is(after[evaluator.address]! - before[evaluator.address]!, -20n);
    t.is(after[w1.address]! - before[w1.address]!, 10n);
    t.is(after[admin.address]! - before[admin.address]!, 1n + 5n);
    const evaluatorReputation = (await get(`/v1/reputation/${evaluator.address}`)).body.jobs[0];
    t.like(evaluatorReputation, { challengesWon: 1, challengesLost: 1 });
    t.like((await get(`/v1/dashboard?job=${job}`)).body.dashboard, { requests: 3, settled: 2, refunded: 1, challenged: 2, openRequests: 0 });
  },
);

test.serial('stream errors: unknown names are NOT_FOUND, bad heights BAD_SCHEMA, bad paths INVALID_PATH', async (t) => {
  t.is((await get('/v1/streams/nonsense')).body.code, 'NOT_FOUND');
  t.is((await get('/v1/streams/blocks?from=0')).body.code, 'BAD_SCHEMA');
  t.is((await get('/v1/streams/blocks?until=3')).body.code, 'BAD_SCHEMA');
  const response = await fetch(`${node.url}/v1/streams/blocks`, { headers: { 'last-event-id': 'x' } });
  t.is(((await response.json()) as { code: string }).code, 'BAD_SCHEMA');
  t.is((await get('/v1/streams/state/a%2F%2Fb')).status >= 400, true);
});
