import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import { pino } from 'pino';
import { generateKeyPair } from '../../../log/index.ts';
import { verifyProof } from '../../../projections/index.ts';
import { createClient, getAccount, getState, type WalletClient } from '../../../runtime/client/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';
import { isAinError, type StreamEvent } from '../../../schemas/index.ts';

// Every action of the client against one real node on a dev genesis (its key owns / and holds the supply).
let node: AinNode;
let dataDir: string;
let root: WalletClient;
const admin = generateKeyPair();
const requester = generateKeyPair();
const schemaText = 'syntax = "proto3"; service Worker { rpc Calc (Req) returns (Res); } message Req { double y = 1; } message Res { double x = 1; }';

test.before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ain-client-'));
  const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 50 } } });
  node = await startNode({ config, logger: pino({ level: 'silent' }) });
  root = createClient({ url: node.url, key: node.key });
  await root.submit({ type: 'set_rule', path: '/apps/$user', value: { write: 'auth.addr == $user' } });
  for (const key of [admin, requester]) await root.submit({ type: 'send', to: key.address, amount: '1000' });
});
test.after.always(async () => {
  await node?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** The AinError's code a promise rejects with. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isAinError(error) ? error.code : `not an AinError: ${String(error)}`;
}

test.serial('createClient refuses a bad url, timeout or key with the codes the node uses, before it asks anything', (t) => {
  const refused = (make: () => unknown) => {
    const error = t.throws(make);
    return isAinError(error) ? error.code : String(error);
  };
  t.is(
    refused(() => createClient({ url: 'localhost:8080' })),
    'BAD_SCHEMA',
  );
  t.is(
    refused(() => createClient({ url: 'ftp://127.0.0.1' })),
    'BAD_SCHEMA',
  );
  t.is(
    refused(() => createClient({ url: node.url, timeoutMs: -1 })),
    'BAD_SCHEMA',
  );
  t.is(
    refused(() => createClient({ url: node.url, key: { ...admin, address: requester.address } })),
    'BAD_KEY_FILE',
  );
  t.is(
    refused(() => createClient({ url: node.url, key: { ...admin, privateKey: 'zz' } })),
    'BAD_KEY_FILE',
  );
  t.false('submit' in createClient({ url: node.url }));
});

test.serial('a wallet client writes; the reads see the value, its proof, the account, the tx and its block', async (t) => {
  const me = createClient({ url: node.url, key: requester });
  const landed = await me.submit({ type: 'set_value', path: `/apps/${requester.address}/x`, value: { n: 1 } });
  t.is(landed.outcome.code, 'ok');
  const reader = createClient({ url: node.url, timeoutMs: 10_000 });
  t.like(await reader.getState({ path: `/apps/${requester.address}/x` }), { value: { n: 1 } });
  t.like(await getState(reader, { path: `/apps/${requester.address}`, limit: 1 }), { value: { x: { n: 1 } }, next: null });
  const proved = await reader.getProof({ path: `/apps/${requester.address}/x` });
  t.true(verifyProof(proved.header.stateRoot, proved.path, proved.value, proved.proof));
  const account = await reader.getAccount({ address: requester.address });
  t.true(account.nonce > 0);
  t.is(await reader.getBalance({ address: requester.address }), 1000n);
  t.like(await getAccount(reader, { address: admin.address }), { balance: '1000' });
  const tx = await reader.getTx({ hash: landed.hash });
  t.is(tx.height, landed.height);
  const block = await reader.getBlock({ height: landed.height });
  t.true(block.txs.some((x) => x.hash === landed.hash));
  const range = await reader.getBlocks({ from: 1, limit: landed.height });
  t.deepEqual(range.blocks.at(-1)?.hash, block.hash);
  t.true((await reader.getBlock()).header.height >= landed.height);
  t.like(await reader.getStatus(), { chain: 'ain-local', address: node.key.address });
  t.like(await reader.getHealth(), { ok: true });
  t.is((await reader.verifyTx(landed.hash)).hash, landed.hash);
  t.is(await codeOf(reader.getNet()), 'NOT_FOUND');
});

test.serial('refusals come back as AinErrors: a bad parameter before asking, a refused tx with its code', async (t) => {
  const reader = createClient({ url: node.url });
  t.is(await codeOf(reader.getState({ path: 'apps/x' })), 'BAD_SCHEMA');
  t.is(await codeOf(reader.getBlocks({ from: 1 })), 'BAD_SCHEMA');
  t.is(await codeOf(reader.getAccount({ address: 'me' })), 'BAD_SCHEMA');
  t.is(await codeOf(reader.listRequests({ state: 'asleep' as never })), 'BAD_SCHEMA');
  t.is(await codeOf(reader.getTx({ hash: '0'.repeat(64) })), 'NOT_FOUND');
  t.is(await codeOf(reader.getJob({ id: '0'.repeat(64) })), 'UNKNOWN_JOB');
  t.is(await codeOf(reader.explainRequest({ id: '0'.repeat(64) })), 'UNKNOWN_JOB');
  const stranger = createClient({ url: node.url, key: admin });
  t.is(await codeOf(stranger.submit({ type: 'set_value', path: `/apps/${requester.address}/x`, value: 2 })), 'RULE_DENIED');
  t.is(await codeOf(createClient({ url: 'http://127.0.0.1:1' }).getHealth()), 'NODE_UNREACHABLE');
});

test.serial('the job reads: a job and a request, their lists, explanations, reputation and dashboard', async (t) => {
  const owner = createClient({ url: node.url, key: admin });
  const job = (await owner.submit({ type: 'registerJob', job_specification: schemaText, fee: '1', challenge_fee: '5' })).hash;
  const client = createClient({ url: node.url, key: requester });
  const request = (await client.submit({ type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 60_000 })).hash;
  t.like(await client.getJob({ id: job }), { kind: 'job', id: job, admin: admin.address, spec: { type: 'registerJob' } });
  t.like(await client.getRequest({ id: request }), { kind: 'request', id: request, state: 'requested', client: requester.address, input: { y: 4 } });
  t.is(await codeOf(client.getJob({ id: request })), 'UNKNOWN_JOB');
  t.is(await codeOf(client.getRequest({ id: job })), 'UNKNOWN_JOB');
  t.like(await client.getJobOrRequest({ id: job }), { kind: 'job', id: job });
  t.like(await client.getJobOrRequest({ id: request }), { kind: 'request', id: request });
  t.is(await codeOf(client.getJobOrRequest({ id: '0'.repeat(64) })), 'UNKNOWN_JOB');
  t.is(await codeOf(client.getJobOrRequest({ id: 'not a hash' })), 'BAD_SCHEMA');
  t.deepEqual(
    (await client.listJobs()).jobs.map((j) => j.id),
    [job],
  );
  t.like((await client.listJobs({ state: 'open' })).jobs, [{ id: job }]);
  t.like(await client.listRequests({ client: requester.address }), { requests: [{ id: request, job, state: 'requested' }], next: null });
  t.deepEqual((await client.listRequests({ state: 'settled' })).requests, []);
  t.true((await client.explainRequest({ id: request })).sentences.length > 0);
  t.true((await client.explainJob({ id: job })).sentences.length > 0);
  t.like(await client.getAccountRequests({ address: requester.address }), { count: 1 });
  t.like(await client.getReputation({ address: admin.address }), { address: admin.address });
  t.like(await client.getJobReputation({ job }), { job });
  t.like(await client.getDashboard({ job }), { job, dashboard: { requests: 1 } });
});

test.serial('subscribe and observe follow a stream from a height, and a stream that does not exist is NOT_FOUND', async (t) => {
  const reader = createClient({ url: node.url });
  const stop = new AbortController();
  const heights: number[] = [];
  for await (const event of reader.subscribe({ name: 'blocks', fromHeight: 1, signal: stop.signal })) {
    heights.push(event.id);
    if (heights.length === 3) stop.abort();
  }
  t.deepEqual(heights, [1, 2, 3]);
  const events: StreamEvent[] = await firstValueFrom(reader.observe({ name: 'blocks', fromHeight: 2 }).pipe(take(2), toArray()));
  t.deepEqual(
    events.map((e) => e.id),
    [2, 3],
  );
  const missing = reader.subscribe({ name: 'nope', signal: AbortSignal.timeout(30_000) });
  t.is(await codeOf(missing.next()), 'NOT_FOUND');
  t.is(await codeOf(reader.subscribe({ name: '/blocks', signal: stop.signal }).next()), 'BAD_SCHEMA');
});
