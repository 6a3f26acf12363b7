import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devGenesis, type RequestExplanation } from '../../../actors/index.ts';
import type { KeyPair } from '../../../log/index.ts';
import { signAndSubmit } from '../../../runtime/client/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import { AinError, type Op } from '../../../schemas/index.ts';
import { startNodeProcess, type NodeProcess } from '../node/nodeProcess.ts';

// Why is my request waiting? A real node (ain node in a child process) answers over HTTP
// (GET /v1/requests/<id>/explain, GET /v1/jobs/<id>/explain) and ain why prints the same.

const ain = join(process.cwd(), 'bin', 'ain.js');
const schemaText = 'syntax = "proto3"; service Worker { rpc Calc (Req) returns (Res); } message Req { double y = 1; } message Res { double x = 1; }';
const parties = ['admin', 'evaluator', 'w1', 'w2', 'client'] as const;
type Party = (typeof parties)[number];

let dir: string;
let node: NodeProcess;
const keys = {} as Record<Party, KeyPair>;
const children = new Set<ChildProcess>();

/** `ain …` in a child process (killed after 60 s). */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ain, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => (children.delete(child), resolve({ code, stdout, stderr })));
  });
}

/** Signs one op and waits for its block; the hash, or the refusal's AinError. */
async function send(party: Party, op: Op): Promise<string> {
  return (await signAndSubmit({ nodeUrl: node.url, key: keys[party], op, waitMs: 20_000 })).hash;
}
async function refused(party: Party, op: Op): Promise<AinError> {
  const error = await send(party, op).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AinError)) throw new Error(`${op.type} by ${party} was not refused: ${String(error)}`);
  return error;
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ain-why-'));
  const data = join(dir, 'node');
  await mkdir(data);
  for (const party of parties) {
    const made = await run(['keys', 'new', '--out', join(dir, `${party}.key`)]);
    if (made.code !== 0) throw new Error(made.stderr);
    keys[party] = await readKeyFile(join(dir, `${party}.key`));
  }
  await run(['keys', 'new', '--out', join(data, 'node.key')]);
  const genesis = devGenesis((await readKeyFile(join(data, 'node.key'))).address, { chain: 'ain-local' });
  for (const party of parties) genesis.accounts[keys[party].address] = { balance: '1000', stake: '0' };
  await writeFile(join(data, 'genesis.json'), JSON.stringify(genesis));
  node = await startNodeProcess(data, ['--block-interval-ms', '50']);
});

test.after.always(async () => {
  for (const child of children) child.kill('SIGKILL');
  await node?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

test.serial('a waiting request explained by the API and by ain why: who could take it, why they have not, its refused txs', async (t) => {
  t.timeout(120_000);
  const job = await send('admin', { type: 'registerJob', job_specification: schemaText, challenge_fee: '5', requirements: { cpu: 4 } });
  // w1 applies with ain applyJob, reporting a machine short of the job's requirements.
  const applied = await run([
    'applyJob',
    job,
    '--role',
    'worker',
    '--machine',
    '{"cpu":1}',
    '--min-reward',
    '5',
    '--key',
    join(dir, 'w1.key'),
    '--node',
    node.url,
  ]);
  t.is(applied.code, 0, applied.stderr);
  await send('evaluator', { type: 'applyJob', job_id: job, role: 'evaluator' });
  await send('w2', { type: 'applyJob', job_id: job, role: 'worker' });
  for (const [party, role] of [
    ['evaluator', 'evaluator'],
    ['w1', 'worker'],
    ['w2', 'worker'],
  ] as const) {
    await send('admin', { type: 'approveNode', job_id: job, node: keys[party].address, role });
  }
  const request = await send('client', { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['0', '10'], time_limit: 600_000 });
  const early = await refused('w1', { type: 'acceptJob', request_id: request, role: 'worker' });
  t.is(early.code, 'ILLEGAL_TRANSITION');

  const waiting = await node.get<RequestExplanation>(`/v1/requests/${request}/explain`);
  t.like(waiting, { kind: 'request', id: request, job, state: 'requested', awaiting: 'evaluator' });
  t.deepEqual(
    waiting.evaluators!.eligible.map((n) => [n.address, n.reasons.map((r) => r.reason)]),
    [[keys.evaluator.address, ['noneKnown']]],
  );
  t.like(waiting.refused, { count: 1 });
  t.like(waiting.refused.txs[0], { op: 'acceptJob', role: 'worker', from: keys.w1.address, code: 'ILLEGAL_TRANSITION', message: early.message });

  await send('evaluator', { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' });
  const accepted = await node.get<RequestExplanation>(`/v1/requests/${request}/explain`);
  t.like(accepted, { state: 'accepted', awaiting: 'workers' });
  const reasons = Object.fromEntries(accepted.workers.eligible.map((n) => [n.address, n.reasons.map((r) => r.reason)]));
  t.deepEqual(reasons, { [keys.w1.address]: ['machine', 'refused'], [keys.w2.address]: ['noneKnown'] });

  const why = await run(['why', request, '--node', node.url]);
  t.is(why.code, 0, why.stderr);
  // The same sentences as the API's, but the first: it names the latest block, and the node may have cut one since.
  t.deepEqual(why.stdout.split('\n').slice(1), [...accepted.sentences.slice(1), '']);
  t.regex(why.stdout, /is accepted since .*\nIts evaluator 0x[0-9a-f]{40} accepted it with a deposit of 20 AIN; it waits for workers to accept it/);
  t.regex(why.stdout, new RegExp(`${keys.w1.address} may accept it but has not: the job needs 4 CPUs and its agent reported 1; its acceptJob in block \\d+`));
  t.regex(why.stdout, /acceptJob as worker by 0x[0-9a-f]{40} in block \d+ \(tx [0-9a-f]{16}…\) was refused ILLEGAL_TRANSITION: Request /);

  const jobWhy = await run(['why', job, '--node', node.url, '--json']);
  t.is(jobWhy.code, 0, jobWhy.stderr);
  const jobExplained = JSON.parse(jobWhy.stdout) as { kind: string; requests: { open: number }; workers: { ineligible: { address: string }[] } };
  t.like(jobExplained, { kind: 'job', requests: { open: 1 } });
  t.deepEqual(
    jobExplained.workers.ineligible.map((n) => n.address),
    [keys.w1.address],
  );

  const asRequest = await fetch(`${node.url}/v1/requests/${job}/explain`);
  t.is(asRequest.status, 404);
  const notARequest = (await asRequest.json()) as { code: string; message: string };
  t.is(notARequest.code, 'UNKNOWN_JOB');
  t.regex(notARequest.message, new RegExp(`is a job, not a job request; GET /v1/jobs/${job}/explain explains it`));
  const asJob = await fetch(`${node.url}/v1/jobs/${request}/explain`);
  t.is(asJob.status, 404);
  t.is(((await asJob.json()) as { code: string }).code, 'UNKNOWN_JOB');
  const unknown = await run(['why', 'ee'.repeat(32), '--node', node.url]);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /^error UNKNOWN_JOB: No job request and no job has the id e{64}/);
  const malformed = await run(['why', 'nope', '--node', node.url]);
  t.is(malformed.code, 1);
  t.regex(malformed.stderr, /^error BAD_/);
});
