import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createActor, toPromise } from 'xstate';
import { adminMachine, clientMachine, devGenesis, parseGenesis, type RequestView } from '../../../actors/index.ts';
import { generateKeyPair, programHashOf, signBinaries, type KeyPair } from '../../../log/index.ts';
import {
  agentEffectsFor,
  applyToJob,
  sampleJobPrograms,
  startEvaluatorAgent,
  startGpuWorkerAgent,
  startKeySharer,
  startWorkerAgent,
  type AgentEnvironment,
  type JobAgent,
} from '../../../runtime/agents/index.ts';
import {
  callNode,
  createProgressPoster,
  decryptInput,
  encryptInput,
  followStream,
  getSmallBlob,
  isEncryptedInput,
  newDataKey,
  openDataKey,
  signAndSubmit,
} from '../../../runtime/client/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { createProcessRuntime } from '../../../runtime/exec/index.ts';
import { loadOrCreateKeyFile, writeKeyFile } from '../../../runtime/keys/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';
import { isAinError, type Op, type ProgressEvent } from '../../../schemas/index.ts';

// Agents that misbehave, on a real node with the process runtime: a worker that returns garbage,
// one that never answers, an evaluator that crashes, one that ranks a stranger, and a client that
// challenges and wins or loses. Each request ends as the protocol says, and money is conserved.

const execution = createProcessRuntime();
let node: AinNode;
let dataDir: string;
let job: string;
const [admin, evaluator, w1, w2, w3, client] = [
  generateKeyPair(),
  generateKeyPair(),
  generateKeyPair(),
  generateKeyPair(),
  generateKeyPair(),
  generateKeyPair(),
] as const;
let good: AgentEnvironment;

const send = (key: KeyPair, op: Op) => signAndSubmit({ nodeUrl: node.url, key, op, waitMs: 30_000 });
const ainBin = join(process.cwd(), 'bin', 'ain.js');
/** `ain …` in a child process (killed after 60 s). */
function ain(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ainBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const withPrograms = (files: Record<string, string>, runWallTimeMs?: number): AgentEnvironment => ({
  ...good,
  programs: { ...good.programs, files: { ...good.programs.files, ...files } },
  ...(runWallTimeMs === undefined ? {} : { runWallTimeMs }),
});

/** Supply = every account's balance, stake and unbonding + escrow. */
function conserved(t: ExecutionContext): void {
  const tree = node.ledger.tree;
  const accounts = tree.get('/accounts') as Record<string, { balance?: string; stake?: string; unbonding?: string }>;
  let sum = BigInt((tree.get('/consensus/escrow') as string | null) ?? '0');
  for (const a of Object.values(accounts)) sum += BigInt(a.balance ?? '0') + BigInt(a.stake ?? '0') + BigInt(a.unbonding ?? '0');
  t.is(sum, BigInt(tree.get('/consensus/supply') as string));
}

/** A client request followed to its end by a ClientActor with `accepts` as its policy; resolves with the request's id. */
async function request(accepts: boolean, onRanked?: (view: RequestView, id: string) => Promise<void>): Promise<string> {
  const op = { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 6000 } as const;
  const actor = createActor(clientMachine.provide({ actors: agentEffectsFor(client, good) }), {
    input: { op: { ...op, reward: ['10', '10'] as [string, string] }, accepts: () => accepts },
  });
  // Called once, on entering settling; its failure fails the test (never an unhandled rejection).
  let reacted: Promise<unknown> | undefined;
  if (onRanked !== undefined) {
    actor.subscribe((snapshot) => {
      if (reacted === undefined && snapshot.value === 'settling' && snapshot.context.request !== undefined && !snapshot.context.error)
        reacted = onRanked(snapshot.context.view!, snapshot.context.request).catch((error: unknown) => error);
    });
  }
  actor.start();
  const output = await toPromise(actor);
  const failure = await reacted;
  if (failure !== undefined) throw failure;
  if (output.request === undefined) throw new Error(`the client failed: ${output.error}`);
  return output.request;
}

const view = (id: string) =>
  callNode<{ state: string; ranking: string[]; refundReason: string | null; results: Record<string, unknown> }>(node.url, 'GET', `/v1/jobs/${id}`);
const balance = async (key: KeyPair) => BigInt((await callNode<{ balance: string }>(node.url, 'GET', `/v1/accounts/${key.address}`)).balance);

async function withAgents<T>(agents: JobAgent<unknown>[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
}
const fromNow = async () => (await callNode<{ height: number }>(node.url, 'GET', '/v1/status')).height + 1;

test.before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ain-agents-'));
  const { key } = await loadOrCreateKeyFile(join(dataDir, 'node.key'));
  // Short windows, so a missing ranking or an unanswered claim ends within the test.
  const genesis = parseGenesis({
    ...devGenesis(key.address, { chain: 'ain-local' }),
    jobs: { rankWindowMs: 1500, claimWindowMs: 1500, resolveWindowMs: 30_000 },
  });
  await writeFile(join(dataDir, 'genesis.json'), JSON.stringify(genesis));
  // The workers may keep their run logs in the node's Big Storage.
  const room = { bytesMax: 1 << 20, ttlMs: 3_600_000 };
  const reservations = { node: { bytesMax: 1 << 30, ttlMs: 86_400_000 }, ...Object.fromEntries([w1, w2, w3].map((w) => [w.address, room])) };
  const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 100 }, storage: { reservations } } });
  node = await startNode({ config, logger: pino({ level: 'silent' }) });
  for (const k of [admin, evaluator, w1, w2, w3, client]) await node.submit({ type: 'send', to: k.address, amount: '1000' });
  for (let i = 0; i < 300 && (await balance(client)) !== 1000n; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  good = { nodeUrl: node.url, execution, programs: await sampleJobPrograms() };
  job = (await send(admin, { type: 'registerJob', job_specification: good.programs.proto, fee: '1', challenge_fee: '5' })).hash;
  for (const [k, role] of [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
    [w2, 'worker'],
    [w3, 'worker'],
  ] as const) {
    await send(k, { type: 'applyJob', job_id: job, role });
    await send(admin, { type: 'approveNode', job_id: job, node: k.address, role });
  }
});
test.after.always(async () => {
  await node?.stop();
  await execution.close();
  await rm(dataDir, { recursive: true, force: true });
});

test.serial('a worker that returns garbage and one that never answers are not ranked; the honest one is paid, the rest refunded', async (t) => {
  t.timeout(60_000);
  const fromHeight = await fromNow();
  const agents = [
    startEvaluatorAgent({ key: evaluator, env: good, job, fromHeight, deposit: '20' }),
    startWorkerAgent({ key: w1, env: good, job, fromHeight }),
    startWorkerAgent({ key: w2, env: withPrograms({ 'worker.js': 'process.stdout.write("not json at all")' }), job, fromHeight }),
    startWorkerAgent({ key: w3, env: withPrograms({ 'worker.js': 'setTimeout(() => {}, 1e9)' }, 60_000), job, fromHeight }),
  ];
  const before = await balance(client);
  const id = await withAgents(agents, () => request(true));
  const ended = await view(id);
  t.is(ended.state, 'settled');
  t.deepEqual(ended.ranking, [w1.address]);
  t.deepEqual(Object.keys(ended.results), [w1.address]);
  t.is((await balance(client)) - before, -10n - 10n - 1n); // the evaluator's 10, the winner's 10, the fee
  const outputs = [...agents[2]!.outputs, ...agents[3]!.outputs] as { error?: string; submitted: boolean; failure?: { code: string } }[];
  // The garbage is submitted as its run's failure (never ranked); the silent one gives up at the time limit.
  t.deepEqual(
    outputs.map((o) => o.submitted),
    [true, false],
  );
  t.is(outputs[0]!.failure?.code, 'BAD_REPLY');
  t.regex(outputs[0]!.error ?? '', /BAD_REPLY/);
  t.regex(outputs[1]!.error ?? '', /time limit/);
  conserved(t);
});

test.serial(
  'a failing worker’s log: its progress streams while it runs, its failure and log are submitted; the client reads the log (ain logs), a stranger is ACCESS_DENIED',
  async (t) => {
    t.timeout(90_000);
    const go = join(dataDir, 'go');
    // The failing worker reports progress until the test has seen it on the request's stream, then fails.
    const failing = [
      'const fs = require("node:fs");',
      'process.stdin.resume();',
      `const tick = setInterval(() => { if (fs.existsSync(${JSON.stringify(go)})) { clearInterval(tick); process.stderr.write("step 1 went wrong\\n"); process.exit(3); } process.stderr.write(JSON.stringify({ progress: 0.5, message: "half way" }) + "\\n"); }, 100);`,
    ].join('\n');
    const fromHeight = await fromNow();
    const agents = [
      startEvaluatorAgent({ key: evaluator, env: good, job, fromHeight, deposit: '20' }),
      startWorkerAgent({ key: w1, env: good, job, fromHeight }),
      startWorkerAgent({ key: w2, env: withPrograms({ 'worker.js': failing }), job, fromHeight }),
    ];
    const id = await withAgents(agents, async () => {
      const waiting = request(true);
      const seen = new AbortController();
      let id: string | undefined;
      for await (const event of followStream(node.url, `jobs/${job}`, { fromHeight, signal: seen.signal })) {
        id = (event.data as { events: { type: string; request?: string }[] }).events.find((e) => e.type === 'requested')?.request;
        if (id !== undefined) break;
      }
      seen.abort();
      const watching = new AbortController();
      for await (const event of followStream(node.url, `requests/${id}`, { signal: watching.signal })) {
        if (event.event !== 'progress') continue;
        const progress = event.data as ProgressEvent;
        t.like(progress, { request: id, worker: w2.address, event: { type: 'progress', fraction: 0.5, message: 'half way' } });
        break;
      }
      watching.abort();
      await writeFile(go, '');
      await waiting;
      return id!;
    });
    const ended = await callNode<{ state: string; workers: Record<string, { failure?: { code: string }; log?: string }> }>(node.url, 'GET', `/v1/jobs/${id}`);
    t.is(ended.state, 'settled');
    t.like(ended.workers[w2.address], { failure: { code: 'RUN_FAILED' } });
    const ref = ended.workers[w2.address]!.log!;
    t.regex(ref, /^blob:\/\/sha256:[0-9a-f]{64}$/);
    t.regex(ended.workers[w1.address]!.log ?? '', /^blob:/, 'a run that succeeds keeps its log too');
    const lines = new TextDecoder()
      .decode(await getSmallBlob({ nodeUrl: node.url, ref, key: client }))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; line?: string; code?: string; exitCode?: number });
    t.like(lines[0], { type: 'run', request: id, worker: w2.address, runtime: 'process' });
    t.true(lines.some((l) => l.type === 'progress'));
    t.true(lines.some((l) => l.type === 'log' && l.line === 'step 1 went wrong'));
    t.like(lines.at(-1), { type: 'end', ok: false, code: 'RUN_FAILED', exitCode: 3 });
    await getSmallBlob({ nodeUrl: node.url, ref, key: evaluator }); // the evaluator may read it too
    const stranger = generateKeyPair();
    const denied = await getSmallBlob({ nodeUrl: node.url, ref, key: stranger }).catch((error: unknown) => error);
    t.true(isAinError(denied, 'ACCESS_DENIED'), String(denied));

    // Progress is taken from the request's workers while it runs only, signed.
    const post = async (key: KeyPair) => {
      const poster = createProgressPoster({ nodeUrl: node.url, key, request: id });
      poster.push({ type: 'progress', fraction: 1 });
      await poster.flush();
      return poster.errors;
    };
    t.regex((await post(stranger))[0] ?? '', /is not a worker on request/);
    t.regex((await post(w2))[0] ?? '', /is settled: its workers' runs are over/);
    const unsigned = await fetch(new URL(`/v1/requests/${id}/progress`, node.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ worker: w2.address, events: [{ type: 'progress', fraction: 1 }] }),
    });
    // The ledger is asked first (a refused post spends no place in the node's memory of nonces): settled.
    t.like(await unsigned.json(), { code: 'NOT_ALLOWED' });

    // The same through the CLI: ain logs with the client's key, and with a stranger's.
    await writeKeyFile(join(dataDir, 'client.key'), client);
    await writeKeyFile(join(dataDir, 'stranger.key'), stranger);
    const logs = await ain(['logs', id, '--worker', w2.address, '--key', join(dataDir, 'client.key'), '--node', node.url]);
    t.is(logs.code, 0, logs.stderr);
    const out = logs.stdout.split('\n');
    t.is(out[0], `== worker ${w2.address}: failed RUN_FAILED, log ${ref}`);
    t.true(out.includes('progress 50% half way') && out.includes('stderr | step 1 went wrong'), logs.stdout);
    t.regex(logs.stdout, /^ended RUN_FAILED: The job exited with code 3; see its stderr tail\. \(exit 3, \d+ ms\)$/m);
    // --follow replays the request's stream from its block: each worker's log as it was submitted, then the end.
    const followed = await ain(['logs', id, '--follow', '--key', join(dataDir, 'client.key'), '--node', node.url]);
    t.is(followed.code, 0, followed.stderr);
    const headers = followed.stdout.split('\n').filter((l) => l.startsWith('== worker '));
    t.deepEqual([...headers].sort(), [`== worker ${w1.address}: submitted a result, log ${ended.workers[w1.address]!.log}`, out[0]].sort());
    t.regex(followed.stdout, /\nrequest settled in block \d+\n$/);
    const refused = await ain(['logs', id, '--worker', w2.address, '--key', join(dataDir, 'stranger.key'), '--node', node.url]);
    t.is(refused.code, 1);
    t.regex(refused.stderr, /^error ACCESS_DENIED: /);
    conserved(t);
  },
);

test.serial('an evaluator whose program crashes ranks nothing: past the rank window the client is refunded with its deposit', async (t) => {
  t.timeout(60_000);
  const fromHeight = await fromNow();
  const agents = [
    startEvaluatorAgent({ key: evaluator, env: withPrograms({ 'evaluator.js': 'process.exit(3)' }), job, fromHeight, deposit: '20' }),
    startWorkerAgent({ key: w1, env: good, job, fromHeight }),
  ];
  const before = { client: await balance(client), evaluator: await balance(evaluator) };
  const id = await withAgents(agents, () => request(true));
  t.like(await view(id), { state: 'refunded', refundReason: 'noRanking' });
  t.is((await balance(client)) - before.client, 20n);
  t.is((await balance(evaluator)) - before.evaluator, -20n);
  conserved(t);
});

test.serial('an evaluator that ranks a stranger is refused (BAD_RANKING) and, ranking nothing else, forfeits its deposit', async (t) => {
  t.timeout(60_000);
  const fromHeight = await fromNow();
  const agents = [startWorkerAgent({ key: w1, env: good, job, fromHeight })];
  // The evaluator here is the test, not an agent: it accepts, then ranks someone who never worked.
  const waiting = request(true);
  let id: string | undefined;
  const seen = new AbortController();
  for await (const event of followStream(node.url, `jobs/${job}`, { fromHeight, signal: seen.signal })) {
    id = (event.data as { events: { type: string; request?: string }[] }).events.find((e) => e.type === 'requested')?.request;
    if (id !== undefined) break;
  }
  seen.abort();
  await send(evaluator, { type: 'acceptJob', request_id: id!, role: 'evaluator', deposit: '20' });
  for (let i = 0; i < 500 && (await view(id!)).state !== 'ranking'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  await t.throwsAsync(send(evaluator, { type: 'rank', request_id: id!, ranking: [generateKeyPair().address] }), { code: 'BAD_RANKING' } as never);
  await withAgents(agents, () => waiting);
  t.like(await view(id!), { state: 'refunded', refundReason: 'noRanking' });
  conserved(t);
});

for (const uphold of [true, false]) {
  test.serial(
    `a client that challenges and ${uphold ? 'wins: it is refunded with the deposit and its fee' : 'loses: its fee goes to the admin and the request settles'}`,
    async (t) => {
      t.timeout(60_000);
      const fromHeight = await fromNow();
      const agents = [
        startEvaluatorAgent({ key: evaluator, env: good, job, fromHeight, deposit: '20' }),
        startWorkerAgent({ key: w1, env: good, job, fromHeight }),
      ];
      const before = { client: await balance(client), admin: await balance(admin) };
      const id = await withAgents(agents, () =>
        request(false, (_view, request) => send(admin, { type: 'resolveChallenge', request_id: request, uphold }).then(() => undefined)),
      );
      const ended = await view(id);
      if (uphold) {
        t.like(ended, { state: 'refunded', refundReason: 'challengeUpheld' });
        t.is((await balance(client)) - before.client, 20n);
      } else {
        t.is(ended.state, 'settled');
        t.is((await balance(client)) - before.client, -10n - 10n - 1n - 5n); // the evaluator's and the winner's 10, the fee, the challenge fee
        t.is((await balance(admin)) - before.admin, 1n + 5n);
      }
      conserved(t);
    },
  );
}

test.serial('a worker skips a job whose requirements its machine does not meet (a GPU here), saying why; nobody works, the client is refunded', async (t) => {
  t.timeout(60_000);
  const gpuJob = (await send(admin, { type: 'registerJob', job_specification: good.programs.proto, requirements: { gpu: 1 } })).hash;
  await send(w1, { type: 'applyJob', job_id: gpuJob, role: 'worker' });
  await send(admin, { type: 'approveNode', job_id: gpuJob, node: w1.address, role: 'worker' });
  await send(evaluator, { type: 'applyJob', job_id: gpuJob, role: 'evaluator' });
  await send(admin, { type: 'approveNode', job_id: gpuJob, node: evaluator.address, role: 'evaluator' });
  const fromHeight = await fromNow();
  const skipped: string[] = [];
  const agents = [
    startEvaluatorAgent({ key: evaluator, env: good, job: gpuJob, fromHeight, deposit: '20' }),
    startWorkerAgent({
      key: w1,
      env: good,
      job: gpuJob,
      fromHeight,
      machine: { cpus: 2, memoryMb: 4096, gpus: 0, storageMb: 1000 },
      onSkip: (_request, why) => skipped.push(why),
    }),
  ];
  const id = await withAgents(agents, async () => {
    const { hash } = await send(client, { type: 'requestJob', job_id: gpuJob, job_input: { y: 4 }, reward: ['0', '10'], time_limit: 1500 });
    for (let i = 0; i < 500 && (await view(hash)).state !== 'refunded'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    return hash;
  });
  t.like(await view(id), { state: 'refunded', refundReason: 'noResult' });
  t.deepEqual(skipped, ['it needs 1 GPUs; this machine has 0']);
  conserved(t);
});

test.serial(
  'a GPU worker runs the gpu.js root kernel as its program through the execution runtime (here a process, on the CPU, and it says so) and is ranked beside a process worker',
  async (t) => {
    t.timeout(60_000);
    const fromHeight = await fromNow();
    const gpu = await startGpuWorkerAgent({ key: w2, env: good, job, fromHeight });
    const agents = [
      startEvaluatorAgent({ key: evaluator, env: good, job, fromHeight, deposit: '20' }),
      startWorkerAgent({ key: w1, env: good, job, fromHeight }),
      gpu,
    ];
    const id = await withAgents(agents, () => request(true));
    const ended = await view(id);
    t.is(ended.state, 'settled', JSON.stringify({ ended, evaluator: agents[0]!.outputs }));
    t.deepEqual([...ended.ranking].sort(), [w1.address, w2.address].sort());
    const result = ended.results[w2.address] as { x: number };
    t.true(Math.abs(result.x * result.x - 4) < 0.05, String(result.x));
    t.is(gpu.runtime, 'process');
    t.is(gpu.notes.length, 1);
    t.regex(gpu.notes[0]!, /^gpu\.js ran the kernel (in its (wasm|cpu) mode on the CPU: no GPU where it ran|on the GPU)/);
    // Its run log, which its submitResult names, says where the kernel ran: the runtime and gpu.js's own line.
    const { workers } = await callNode<{ workers: Record<string, { log?: string }> }>(node.url, 'GET', `/v1/jobs/${id}`);
    const lines = new TextDecoder()
      .decode(await getSmallBlob({ nodeUrl: node.url, ref: workers[w2.address]!.log!, key: client }))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    t.like(lines[0], { type: 'run', request: id, worker: w2.address, runtime: 'process' });
    t.true(
      lines.some((l) => l.type === 'progress' && l.message === gpu.notes[0]),
      JSON.stringify(lines),
    );
    t.like(lines.at(-1), { type: 'end', ok: true, exitCode: 0 });
    conserved(t);
  },
);

test.serial(
  'an admin tests applicants against the schema’s test data: honest ones are approved; a useless answer, a missing one and a wrong ranking are dropped with the reason',
  async (t) => {
    t.timeout(60_000);
    const testData = good.programs.testData!;
    const op = { type: 'registerJob', job_specification: good.programs.proto, test_data: testData } as const;
    const applicants = [
      { node: w1.address, role: 'worker' },
      { node: w2.address, role: 'worker' },
      { node: w3.address, role: 'worker' },
      { node: evaluator.address, role: 'evaluator' },
      { node: client.address, role: 'evaluator' },
    ] as const;
    const adminActor = createActor(adminMachine.provide({ actors: agentEffectsFor(admin, good) }), { input: { op, applicants } }).start();
    const testedJob = await new Promise<string>((resolve) => adminActor.subscribe((s) => s.context.job !== undefined && resolve(s.context.job)));
    const applied = await Promise.all([
      applyToJob({ key: w1, env: good, job: testedJob, role: 'worker' }),
      // A reply the schema allows (x absent) that the evaluator cannot rank.
      applyToJob({
        key: w2,
        env: withPrograms({ 'worker.js': 'process.stdin.resume(); process.stdin.on("end", () => process.stdout.write("{}"))' }),
        job: testedJob,
        role: 'worker',
      }),
      send(w3, { type: 'applyJob', job_id: testedJob, role: 'worker' }),
      applyToJob({ key: evaluator, env: good, job: testedJob, role: 'evaluator' }),
      send(client, { type: 'applyJob', job_id: testedJob, role: 'evaluator', test_result: { node: ['far', 'close'] } }),
    ]);
    t.like(applied[0], { applied: true, role: 'worker' });
    t.true(Number.isFinite((applied[0] as { testResult: { x: number } }).testResult.x));
    t.like(applied[3], { applied: true, testResult: { node: ['close', 'far'] } });
    const output = await toPromise(adminActor);
    t.is(output.error, undefined);
    t.deepEqual([...output.approved].sort(), [w1.address, evaluator.address].sort());
    const why = Object.fromEntries(output.refused.map((r) => [r.node, r.why]));
    t.regex(why[w2.address] ?? '', /did not rank its answer/);
    t.regex(why[w3.address] ?? '', /without a test_result/);
    t.regex(why[client.address] ?? '', /ranked the test replies \["far","close"\], the evaluator program ranks them \["close","far"\]/);
    const { nodes } = await callNode<{ nodes: { address: string; state: string }[] }>(node.url, 'GET', `/v1/jobs/${testedJob}`);
    const states = Object.fromEntries(nodes.map((n) => [n.address, n.state]));
    t.deepEqual(states, {
      [admin.address]: 'approved',
      [w1.address]: 'approved',
      [evaluator.address]: 'approved',
      [w2.address]: 'dropped',
      [w3.address]: 'dropped',
      [client.address]: 'dropped',
    });
    conserved(t);
  },
);

test.serial('a job with signed binaries: a worker whose program was tampered with refuses to run it, the honest one names the version it ran', async (t) => {
  t.timeout(60_000);
  const { proto, worker, evaluator: evaluatorProgram, files } = good.programs;
  const signed = signBinaries(admin, 'ain-local', {
    repository: 'https://github.com/ainblockchain/ain/tree/main/examples/root',
    version: 1,
    worker: programHashOf({ command: worker.command, args: worker.args, files }),
    evaluator: programHashOf({ command: evaluatorProgram.command, args: evaluatorProgram.args, files }),
  });
  const signedJob = (await send(admin, { type: 'registerJob', job_specification: proto, binaries: signed })).hash;
  for (const [k, role] of [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
    [w2, 'worker'],
  ] as const) {
    await send(k, { type: 'applyJob', job_id: signedJob, role });
    await send(admin, { type: 'approveNode', job_id: signedJob, node: k.address, role });
  }
  const fromHeight = await fromNow();
  const skipped: string[] = [];
  const tampered = withPrograms({ 'worker.js': `${files['worker.js']}\n// one line more` });
  const agents = [
    startEvaluatorAgent({ key: evaluator, env: good, job: signedJob, fromHeight, deposit: '20' }),
    startWorkerAgent({ key: w1, env: good, job: signedJob, fromHeight }),
    startWorkerAgent({ key: w2, env: tampered, job: signedJob, fromHeight, onSkip: (_request, why) => skipped.push(why) }),
  ];
  const id = await withAgents(agents, async () => {
    const { hash } = await send(client, { type: 'requestJob', job_id: signedJob, job_input: { y: 4 }, reward: ['0', '10'], time_limit: 3000 });
    for (let i = 0; i < 1000 && (await view(hash)).state === 'requested'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 1000 && !['ranked', 'settled', 'refunded'].includes((await view(hash)).state); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    return hash;
  });
  const ended = await callNode<{ workers: Record<string, { version?: number }>; ranking: string[] }>(node.url, 'GET', `/v1/jobs/${id}`);
  t.deepEqual(Object.keys(ended.workers), [w1.address], 'only the honest worker accepted');
  t.is(ended.workers[w1.address]!.version, 1, 'its result names the version it ran');
  t.deepEqual(ended.ranking, [w1.address]);
  t.is(skipped.length, 1);
  t.regex(
    skipped[0]!,
    /^BINARY_MISMATCH: the worker program here hashes to [0-9a-f]{16}…, not the [0-9a-f]{16}… version 1 of the job's binaries \(https:\/\/github.com/,
  );
  // The job's answer carries the binaries in force, as the admin signed them.
  const jobAnswer = await callNode<{ binaries: typeof signed; binaryVersions: number[] }>(node.url, 'GET', `/v1/jobs/${signedJob}`);
  t.deepEqual(jobAnswer.binaries, signed);
  t.deepEqual(jobAnswer.binaryVersions, [1]);
  conserved(t);
});

test.serial(
  'preemptive buying: the client reserves w1 at a fixed price, w1’s agent accepts, the reserved request goes to w1 and pays it that price',
  async (t) => {
    t.timeout(60_000);
    const fromHeight = await fromNow();
    const agents = [
      startEvaluatorAgent({ key: evaluator, env: good, job, fromHeight, deposit: '20' }),
      startWorkerAgent({ key: w1, env: good, job, fromHeight }),
      startWorkerAgent({ key: w2, env: good, job, fromHeight }),
    ];
    const id = await withAgents(agents, async () => {
      const { hash: reservation } = await send(client, { type: 'reserveWorker', job_id: job, worker: w1.address, price: '9', period_ms: 600_000, requests: 2 });
      for (let i = 0; i < 500 && !(await callNode<{ accepted: boolean }>(node.url, 'GET', `/v1/jobs/${reservation}`)).accepted; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      t.like(await callNode(node.url, 'GET', `/v1/jobs/${reservation}`), {
        kind: 'reservation',
        worker: w1.address,
        price: '9',
        requestsLeft: 2,
        accepted: true,
      });
      const { hash } = await send(client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['1', '9'], time_limit: 3000, reservation });
      for (let i = 0; i < 1000 && !['ranked', 'settled', 'refunded'].includes((await view(hash)).state); i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const settled = await send(client, { type: 'acceptResult', request_id: hash });
      // What the settlement paid, from its own block's events (other requests of this file may settle meanwhile).
      const block = await callNode<{ jobEvents: { type: string; request?: string; payouts?: { to: string; amount: string; kind: string }[] }[] }>(
        node.url,
        'GET',
        `/v1/blocks/${settled.height}`,
      );
      const payouts = block.jobEvents.find((e) => e.type === 'settled' && e.request === hash)?.payouts ?? [];
      t.deepEqual(
        payouts.filter((p) => p.kind === 'reward' && p.to === w1.address).map((p) => p.amount),
        ['9'],
        'w1 paid the reserved price',
      );
      return hash;
    });
    const ended = await callNode<{ state: string; workers: Record<string, unknown> }>(node.url, 'GET', `/v1/jobs/${id}`);
    t.is(ended.state, 'settled');
    t.deepEqual(Object.keys(ended.workers), [w1.address], 'only the reserved worker worked on it');
    conserved(t);
  },
);

test.serial('an encrypted input: only the nodes that took the request read it, with the key its client sealed to each; the request settles', async (t) => {
  t.timeout(60_000);
  const fromHeight = await fromNow();
  const agents = [
    startEvaluatorAgent({ key: evaluator, env: good, job, fromHeight, deposit: '20' }),
    startWorkerAgent({ key: w1, env: good, job, fromHeight }),
    startWorkerAgent({ key: w2, env: good, job, fromHeight }),
  ];
  const dataKey = newDataKey();
  const job_input = encryptInput({ y: 4 }, dataKey, job);
  const id = await withAgents(agents, async () => {
    const { hash, height } = await send(client, { type: 'requestJob', job_id: job, job_input, reward: ['1', '10'], time_limit: 3000 });
    const sharer = startKeySharer({ nodeUrl: node.url, key: client, job, request: hash, dataKey, fromHeight: height });
    try {
      // The evaluator's ranking (or a refund) on the job's stream: by then both workers opened their keys and ran.
      const ended = new AbortController();
      for await (const event of followStream(node.url, `jobs/${job}`, { fromHeight: height, signal: ended.signal })) {
        const events = (event.data as { events: { type: string; request?: string }[] }).events;
        if (events.some((e) => e.request === hash && (e.type === 'ranked' || e.type === 'refunded'))) break;
      }
      ended.abort();
    } finally {
      await sharer.stop();
    }
    t.deepEqual([...sharer.sharedWith].sort(), [evaluator.address, w1.address, w2.address].sort(), 'sealed to the evaluator and both workers');
    await send(client, { type: 'acceptResult', request_id: hash });
    return hash;
  });
  const ended = await callNode<{ state: string; input: unknown; ranking: string[]; results: Record<string, { x: number }> }>(node.url, 'GET', `/v1/jobs/${id}`);
  t.is(ended.state, 'settled');
  t.true(isEncryptedInput(ended.input), 'the ledger and everyone reading it see only the ciphertext');
  t.true(
    Object.values(ended.results).every((r) => Math.abs(r.x - 2) < 0.01),
    'the workers ran on the input they opened',
  );
  // A node that did not take the request cannot open a key sealed to another.
  const sealed = (await callNode<{ value: string }>(node.url, 'GET', `/v1/state/jobs/sharedKeys/${id}/${w1.address}`)).value;
  t.throws(() => openDataKey(sealed, w3), { code: 'DECRYPT_FAILED' } as never);
  t.deepEqual(decryptInput(job_input, openDataKey(sealed, w1), job), { y: 4 });
  conserved(t);
});

test.serial('ain requestJob --encrypt: the input goes encrypted, the command seals its key to each node that takes the request, and it settles', async (t) => {
  t.timeout(90_000);
  const fromHeight = await fromNow();
  const agents = [
    startEvaluatorAgent({ key: evaluator, env: good, job, fromHeight, deposit: '20' }),
    startWorkerAgent({ key: w1, env: good, job, fromHeight }),
  ];
  const keyFile = join(dataDir, 'client-encrypt.key');
  await writeKeyFile(keyFile, client);
  const request = JSON.stringify({ job_id: job, job_input: { y: 4 }, reward: ['1', '10'], time_limit: 3000 });
  const run = await withAgents(agents, () => ain(['requestJob', request, '--encrypt', '--key', keyFile, '--node', node.url, '--wait-ms', '60000']));
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /The input is encrypted: its key goes, sealed, only to the nodes that take the request\./);
  t.regex(run.stdout, /The input's key went to 2 node\(s\)/);
  t.regex(run.stdout, /settled/);
  const id = /Request ID is ([0-9a-f]{64})/.exec(run.stdout)![1]!;
  t.true(isEncryptedInput((await callNode<{ input: unknown }>(node.url, 'GET', `/v1/jobs/${id}`)).input));
  const usage = await ain(['requestJob', request, '--encrypt', '--no-wait', '--key', keyFile, '--node', node.url]);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /--encrypt hands the input's key/);
});
