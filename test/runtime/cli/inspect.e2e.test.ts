import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devGenesis } from '../../../actors/index.ts';
import type { KeyPair } from '../../../log/index.ts';
import { runSampleSession, type SampleSessionResult } from '../../../runtime/agents/index.ts';
import { signAndSubmit } from '../../../runtime/client/index.ts';
import { createProcessRuntime } from '../../../runtime/exec/index.ts';
import { loadOrCreateKeyFile } from '../../../runtime/keys/index.ts';
import type { JobEvent, Op } from '../../../schemas/index.ts';
import { startNodeProcess, type NodeProcess } from '../node/nodeProcess.ts';

// The inspect commands against a real `ain node` child process, after the papers' sample job ran
// on it by agents: ain jobs ls/show, ain requests ls/show and ain result show what the ledger
// holds, their --json is the API's answer, and bad filters and bad blobs are refused with codes.

const ain = join(process.cwd(), 'bin', 'ain.js');
const parties = ['admin', 'evaluator-1', 'client', 'worker-1', 'worker-2'] as const;
type Party = (typeof parties)[number];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `ain …` in a child process against the node (bounded: 60 s). */
function run(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ain, ...args, '--node', node.url], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
const runJson = async (...args: string[]) => {
  const ran = await run(...args, '--json');
  if (ran.code !== 0) throw new Error(`ain ${args.join(' ')} exited ${ran.code}: ${ran.stderr}`);
  return JSON.parse(ran.stdout) as Record<string, any>;
};
/** An answer without the height it was read at: two reads of an idle chain may straddle a block of attestations. */
const atAnyHeight = ({ height: _height, ...rest }: Record<string, any>) => rest;

let dir: string;
let node: NodeProcess;
let sample: SampleSessionResult;
const keys = {} as Record<Party, KeyPair>;
const keyFile = (party: Party) => join(dir, 'agents', `${party}.key`);

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ain-inspect-'));
  const data = join(dir, 'node');
  await mkdir(data, { recursive: true });
  await mkdir(join(dir, 'agents'));
  for (const party of parties) keys[party] = (await loadOrCreateKeyFile(keyFile(party))).key;
  // The agents hold AIN from genesis (funding them from the node's key would race its own txs),
  // and worker-1 may keep blobs in the node's Big Storage, as the node's own key may.
  const nodeKey = (await loadOrCreateKeyFile(join(data, 'node.key'))).key;
  const genesis = devGenesis(nodeKey.address, { chain: 'ain-local' });
  for (const party of parties) genesis.accounts[keys[party].address] = { balance: '1000', stake: '0' };
  await writeFile(join(data, 'genesis.json'), JSON.stringify(genesis));
  const room = { bytesMax: 1 << 20, ttlMs: 3_600_000 };
  await writeFile(join(data, 'config.json'), JSON.stringify({ storage: { reservations: { node: room, [keys['worker-1'].address]: room } } }));
  node = await startNodeProcess(data, ['--block-interval-ms', '100']);
  sample = await runSampleSession({
    nodeUrl: node.url,
    fund: () => Promise.reject(new Error('the agents are funded at genesis')),
    dataDir: join(dir, 'agents'),
    execution: createProcessRuntime(),
    evaluators: 1,
    workers: 2,
    gpuWorker: false,
    timeLimitMs: 2000,
  });
});

test.after.always(async () => {
  await node?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

test.serial('ain jobs ls and ain jobs show: the sample job, ready; --json is the API’s answer; a bad state is BAD_SCHEMA', async (t) => {
  t.timeout(120_000);
  t.is(sample.state, 'settled');
  const listed = await run('jobs', 'ls');
  t.is(listed.code, 0, listed.stderr);
  t.regex(listed.stdout, /^ID +STATE +ADMIN/);
  t.regex(listed.stdout, new RegExp(`${sample.job} +ready .* 0 +1 +0 +1 evaluator, 2 workers running`));

  t.deepEqual(atAnyHeight(await runJson('jobs', 'ls')), atAnyHeight(await node.get('/v1/jobs')));
  t.deepEqual(
    (await runJson('jobs', 'ls', '--state', 'ready')).jobs.map((j: { id: string }) => j.id),
    [sample.job],
  );
  t.deepEqual((await runJson('jobs', 'ls', '--state', 'open')).jobs, []);
  t.is((await run('jobs', 'ls', '--state', 'open')).stdout, 'No job is open.\n');

  const bad = await run('jobs', 'ls', '--state', 'busy');
  t.is(bad.code, 1);
  t.regex(bad.stderr, /^error BAD_SCHEMA: query field "state": .*open.*ready.*unstaffed/);
  const badJson = await run('jobs', 'ls', '--state', 'busy', '--json');
  t.is(JSON.parse(badJson.stderr).code, 'BAD_SCHEMA');
  t.is((await fetch(`${node.url}/v1/jobs?state=busy`)).status, 400);

  const shown = await run('jobs', 'show', sample.job);
  t.is(shown.code, 0, shown.stderr);
  t.regex(shown.stdout, new RegExp(`^Job +${sample.job}\nState +ready\n`));
  t.regex(shown.stdout, /Requests +1: 0 open, 1 settled, 0 refunded, 0 challenged/);
  for (const party of ['evaluator-1', 'worker-1', 'worker-2'] as const)
    t.regex(shown.stdout, new RegExp(`${keys[party].address} +(worker|evaluator) +approved`));
  t.deepEqual(atAnyHeight(await runJson('jobs', 'show', sample.job)), atAnyHeight(await node.get(`/v1/jobs/${sample.job}`)));
  const notAJob = await run('jobs', 'show', sample.request);
  t.is(notAJob.code, 1);
  t.regex(notAJob.stderr, /^error UNKNOWN_JOB: .* is a job request.*ain requests show/);
});

test.serial('ain requests ls and ain requests show: the settled request with one row per node and its history by height', async (t) => {
  t.timeout(120_000);
  const client = keys.client.address;
  const listed = await run('requests', 'ls', '--client', client);
  t.is(listed.code, 0, listed.stderr);
  t.regex(
    listed.stdout,
    new RegExp(`^ID +STATE +REQUESTED +JOB +CLIENT +WORKERS +REWARD\n${sample.request} +settled .* evaluator 10, workers 10 \\(winnerOnly\\)\n`),
  );
  const json = await runJson('requests', 'ls', '--client', client);
  t.deepEqual(atAnyHeight(json), atAnyHeight(await node.get(`/v1/requests?client=${client}`)));
  t.like(json.requests[0], { id: sample.request, job: sample.job, client, state: 'settled', reward: ['10', '10'], rewardFunction: 'winnerOnly' });
  t.deepEqual((await runJson('requests', 'ls', '--state', 'running')).requests, []);
  t.deepEqual((await runJson('requests', 'ls', '--job', sample.job, '--state', 'settled')).requests.length, 1);
  t.deepEqual((await runJson('requests', 'ls', '--client', keys.admin.address)).requests, []);
  const badState = await run('requests', 'ls', '--state', 'done');
  t.is(badState.code, 1);
  t.regex(badState.stderr, /^error BAD_SCHEMA: query field "state": .*settled/);
  const badClient = await run('requests', 'ls', '--client', 'bob', '--json');
  t.is(badClient.code, 1);
  t.like(JSON.parse(badClient.stderr), { code: 'BAD_SCHEMA', details: { field: 'client' } });

  // The history is every job event of the request in the node's blocks, in order.
  const shown = await runJson('requests', 'show', sample.request);
  t.deepEqual(atAnyHeight(shown.request), atAnyHeight(await node.get(`/v1/jobs/${sample.request}`)));
  const { height: from } = await node.get(`/v1/tx/${sample.request}`);
  const events: JobEvent[] = [];
  for (let h = from; h <= shown.history.to; h++)
    events.push(...((await node.get(`/v1/blocks/${h}`)).jobEvents as JobEvent[]).filter((e) => 'request' in e && e.request === sample.request));
  t.like(shown.history, { request: sample.request, from, ended: true, truncated: false });
  t.deepEqual(shown.history.events, events);
  t.deepEqual(
    events.map((e) => e.type).filter((type, i, all) => all.indexOf(type) === i),
    ['requested', 'accepted', 'submitted', 'ranked', 'settled'].filter((type) => events.some((e) => e.type === type)),
  );
  t.is(events[0]!.type, 'requested');
  t.is(events.at(-1)!.type, 'settled');
  // One row per node: the evaluator, then each worker that accepted, with its rank and pay.
  const rows = shown.nodes as { role: string; address: string; status: string; accepted: { height: number }; paid: { kind: string; amount: string }[] }[];
  t.deepEqual(rows[0], { ...rows[0], role: 'evaluator', address: keys['evaluator-1'].address, status: 'ranked' });
  t.deepEqual(
    rows[0]!.paid.map((p) => [p.kind, p.amount]),
    [
      ['reward', '10'],
      ['deposit', '20'],
    ],
  );
  const accepted = events.filter((e): e is Extract<JobEvent, { type: 'accepted' }> => e.type === 'accepted' && e.role === 'worker');
  t.deepEqual(
    rows.slice(1).map((r) => [r.address, r.accepted.height]),
    accepted.map((e) => [e.node, e.height]),
  );
  t.is(rows.find((r) => r.status === 'ranked 1')?.address, shown.request.ranking[0]);

  const text = await run('requests', 'show', sample.request);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, new RegExp(`^Request +${sample.request}\nJob +${sample.job}\nClient +${client}\nState +settled \\(block ${events.at(-1)!.height}, `));
  t.regex(
    text.stdout,
    /\nNodes\nROLE +ADDRESS +STATUS +ACCEPTED +SUBMITTED +RESULT +PAID\nevaluator +0x[0-9a-f]{40} +ranked .* 10 \(reward\), 20 \(deposit\)\n/,
  );
  t.regex(text.stdout, /\nReward +evaluator 10, workers 10 \(winnerOnly\); fee 1, challenge fee 5\n/);
  t.regex(text.stdout, /\nworker +0x[0-9a-f]{40} +ranked 1 +\d+ \d{4}-\d\d-\d\dT[^ ]+ +\d+ [^ ]+ +\{"x":[-0-9.e]+\} +10 \(reward\)/);
  t.regex(text.stdout, new RegExp(`\\nHistory\\nHEIGHT +TIME +EVENT +DETAIL\\n${from} +\\d{4}-[^ ]+ +requested +by 0x`));
  t.regex(text.stdout, /\n\d+ +[^ ]+ +settled +\d+ ms after the request; /);

  const notARequest = await run('requests', 'show', sample.job);
  t.regex(notARequest.stderr, /^error UNKNOWN_JOB: .* is a job schema.*ain jobs show/);
  const unknown = await run('requests', 'show', 'ab'.repeat(32));
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /^error UNKNOWN_JOB/);
});

test.serial('ain result: the best result inline; a result in Big Storage fetched and hash-checked; a corrupt blob is refused with its code', async (t) => {
  t.timeout(120_000);
  const best = (await node.get(`/v1/jobs/${sample.request}`)) as { ranking: string[]; results: Record<string, unknown> };
  const out = join(dir, 'best.json');
  const inline = await run('result', sample.request, '--out', out);
  t.is(inline.code, 0, inline.stderr);
  t.regex(inline.stdout, /inline in the ledger/);
  t.deepEqual(JSON.parse(await readFile(out, 'utf8')), best.results[best.ranking[0]!]);

  // A second request whose worker puts its result in Big Storage, readable by the client only.
  const send = (party: Party, op: Op) => signAndSubmit({ nodeUrl: node.url, key: keys[party], op, waitMs: 30_000 });
  const { hash: request } = await send('client', { type: 'requestJob', job_id: sample.job, job_input: { y: 9 }, reward: ['0', '10'], time_limit: 600_000 });
  await send('evaluator-1', { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' });
  await send('worker-1', { type: 'acceptJob', request_id: request, role: 'worker' });
  const bytes = Buffer.from(JSON.stringify({ x: 3, note: 'a result too large to keep in the ledger' }));
  await writeFile(join(dir, 'result.bin'), bytes);
  const put = await runJson('blob', 'put', join(dir, 'result.bin'), '--key', keyFile('worker-1'), '--readers', keys.client.address);
  await send('worker-1', { type: 'submitResult', request_id: request, result: put.ref });

  const fetched = await runJson('result', request, '--out', join(dir, 'fetched.bin'), '--key', keyFile('client'));
  t.like(fetched, { request, worker: keys['worker-1'].address, ref: put.ref, sizeBytes: bytes.length, inline: false });
  t.deepEqual(await readFile(join(dir, 'fetched.bin')), bytes);
  const shown = await runJson('requests', 'show', request);
  t.like(shown, { request: { state: 'running' }, history: { ended: false } });
  t.deepEqual(
    shown.history.events.map((e: JobEvent) => e.type),
    ['requested', 'accepted', 'accepted', 'submitted'],
  );
  t.like(shown.nodes[1], { role: 'worker', status: 'submitted', result: put.ref });

  const stranger = await run('result', request, '--out', join(dir, 'no.bin'), '--key', keyFile('admin'));
  t.is(stranger.code, 1);
  t.regex(stranger.stderr, /^error ACCESS_DENIED/);
  // The bytes on the node's disk no longer hash to the result's blob: refused, nothing written.
  const hash = put.hash as string;
  const stored = join(node.dataDir, 'blobs', 'data', hash.slice(0, 2), hash);
  await writeFile(stored, Buffer.from(bytes.toString('utf8').replace('"x":3', '"x":4')));
  const corrupt = await run('result', request, '--out', join(dir, 'corrupt.bin'), '--key', keyFile('client'));
  t.is(corrupt.code, 1);
  t.regex(corrupt.stderr, /^error BLOB_CORRUPT: /);
  await t.throwsAsync(readFile(join(dir, 'corrupt.bin')));
  // Two requests now, a page of one at a time: `next` says where the second page starts.
  const ids = [sample.request, request].sort();
  const first = await node.get(`/v1/requests?client=${keys.client.address}&limit=1`);
  t.deepEqual([first.requests.map((r: { id: string }) => r.id), first.next], [[ids[0]], ids[0]]);
  const second = await node.get(`/v1/requests?client=${keys.client.address}&limit=1&after=${first.next}`);
  t.deepEqual([second.requests.map((r: { id: string }) => r.id), second.next], [[ids[1]], null]);
  const paged = await run('requests', 'ls', '--client', keys.client.address, '--limit', '1');
  t.regex(paged.stdout, new RegExp(`^ID .*\n${ids[0]} .*\n… more after ${ids[0]}: ain requests ls --limit 2\n$`));
  t.deepEqual(
    (await runJson('requests', 'ls', '--state', 'running')).requests.map((r: { id: string }) => r.id),
    [request],
  );

  const noneYet = await run('result', 'ab'.repeat(32));
  t.regex(noneYet.stderr, /^error UNKNOWN_JOB/);
});
