import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createActor, toPromise } from 'xstate';
import { adminMachine, clientMachine, type ClientOutput, type WorkerOutput } from '../../actors/index.ts';
import type { KeyPair } from '../../log/index.ts';
import type { JobEvent, Payout } from '../../projections/index.ts';
import { AinError, isAinError, type Op, type OpOf } from '../../schemas/index.ts';
import { getAccount, getBlock, getDashboard, getJob, getRequest, getStatus, type RequestAnswer } from '../client/index.ts';
import { reserveLogRoom, workerLogRoom } from './logRoom.ts';
import { appRootUrl } from '../config/index.ts';
import type { ExecutionRuntime } from '../exec/index.ts';
import { loadOrCreateKeyFile } from '../keys/index.ts';
import { agentEffectsFor, type AgentEnvironment, type JobPrograms } from './nodeAgentEffects.ts';
import { gpuWorkerEnvironment, type GpuRunNotes } from './gpuWorker.ts';
import { applyToJob, startEvaluatorAgent, startWorkerAgent } from './jobAgents.ts';
import { probeMachine } from './workerPolicy.ts';

const exampleDir = new URL('examples/root/', appRootUrl);

/** The papers' sample job, Calculate Root (examples/root): its schema and programs. */
export async function sampleJobPrograms(): Promise<JobPrograms> {
  const read = (name: string) => readFile(new URL(name, exampleDir), 'utf8');
  return {
    proto: await read('job_schema.proto'),
    files: { 'worker.js': await read('worker.js'), 'evaluator.js': await read('evaluator.js') },
    testData: JSON.parse(await read('test_data.json')) as JobPrograms['testData'],
    worker: { command: 'node', args: ['worker.js'], service: 'Worker', rpc: 'CalculateRoot' },
    evaluator: { command: 'node', args: ['evaluator.js'], service: 'Evaluator', rpc: 'EvaluateRoot' },
  };
}

export interface SampleSessionOptions {
  readonly nodeUrl: string;
  /**
   * The nodes of a network, when there are several: the agents spread over them (the admin on the
   * first, the evaluator on the second, the workers and the client on the next ones in turn), each
   * signing and watching through its own node. Default: all on `nodeUrl`.
   */
  readonly nodeUrls?: readonly string[];
  /** Funds the session's keys: sends from a key that holds AIN (a dev node's own `submit`). */
  readonly fund: (op: Op) => Promise<unknown>;
  /** Where the agents' keys are kept. */
  readonly dataDir: string;
  readonly execution: ExecutionRuntime;
  /** How many evaluators and workers apply (the paper's scale by default: 3 evaluators, 12 workers); the first evaluator to accept takes the request. */
  readonly evaluators?: number;
  readonly workers?: number;
  /** The last worker runs the gpu.js kernel (GpuWorkerActor) instead of the worker program; default true. */
  readonly gpuWorker?: boolean;
  readonly timeLimitMs?: number;
  readonly say?: (line: string) => void;
  /** A step of the session begins (the one before it is done), for a view that shows steps; `say` gives its details. */
  readonly step?: (step: SampleStep) => void;
}

/** The steps of the sample session, in order; a refunded request skips `accept` and `settle`. */
export type SampleStep = 'fund' | 'register' | 'approve' | 'warm' | 'request' | 'run' | 'accept' | 'settle';
const clientSteps: Readonly<Record<string, SampleStep>> = {
  requesting: 'request',
  waiting: 'run',
  accepting: 'accept',
  challenging: 'accept',
  settling: 'settle',
};

export interface SampleSessionResult {
  readonly job: string;
  readonly request: string;
  readonly state: string;
  /** The best worker's answer. */
  readonly x: number | null;
  readonly participants: number;
  /** The evaluator that took the request (null when none did). */
  readonly evaluator: string | null;
  readonly payouts: readonly Payout[];
  /** Why a refunded request was refunded (noEvaluator, noResult, noRanking, challengeUpheld). */
  readonly refundReason?: string;
  /** For a request refunded for want of a result: what each worker came to, one line each (noResultLines). */
  readonly workerLines?: readonly string[];
  readonly roles: Readonly<Record<string, string>>;
}

async function funded(nodeUrl: string, address: string, amount: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while ((await getAccount({ url: nodeUrl }, { address })).balance !== amount) {
    if (Date.now() > deadline) throw new Error(`${address} was not funded within ${waitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The paper's scale (its `stats`: "3 evaluators, 100 workers running"), as `ain up` runs it. */
export const sampleEvaluatorsDefault = 3;
export const sampleWorkersDefault = 12;

/** The sample's request: the paper's `reward: [10, 10]`, 10 for the evaluator and 10 for the best worker. */
export const sampleReward = { reward: ['10', '10'], reward_function: 'winnerOnly' } as const satisfies Pick<OpOf<'requestJob'>, 'reward' | 'reward_function'>;

/**
 * The papers' sample session (architecture paper §3, Calculate Root) by agents on a running node:
 * an admin registers the job and approves evaluators and workers as they apply; a client
 * requests `{ y: 4 }` with the paper's reward [10, 10] (the evaluator's 10, and 10 for the worker
 * whose answer is closest: winnerOnly); the workers run the worker program, the evaluator that
 * took the request ranks them, the client accepts, and the request settles. Every step is a signed tx.
 */
export async function runSampleSession(options: SampleSessionOptions): Promise<SampleSessionResult> {
  const {
    nodeUrl,
    dataDir,
    execution,
    evaluators = sampleEvaluatorsDefault,
    workers = sampleWorkersDefault,
    gpuWorker = true,
    timeLimitMs = 3000,
    say = () => {},
    step = () => {},
  } = options;
  await mkdir(dataDir, { recursive: true });
  const keyOf = async (name: string): Promise<KeyPair> => (await loadOrCreateKeyFile(join(dataDir, `${name}.key`))).key;
  const admin = await keyOf('admin');
  const evaluatorKeys = await Promise.all(Array.from({ length: evaluators }, (_, i) => keyOf(`evaluator-${i + 1}`)));
  const client = await keyOf('client');
  const workerKeys = await Promise.all(Array.from({ length: workers }, (_, i) => keyOf(`worker-${i + 1}`)));
  const everyone = [admin, ...evaluatorKeys, client, ...workerKeys];
  const roles: Record<string, string> = { [admin.address]: 'admin', [client.address]: 'client' };
  evaluatorKeys.forEach((k, i) => (roles[k.address] = `evaluator ${i + 1}`));
  workerKeys.forEach((k, i) => (roles[k.address] = `worker ${i + 1}`));

  step('fund');
  const balances = await Promise.all(everyone.map((k) => getAccount({ url: nodeUrl }, { address: k.address })));
  for (const [i, key] of everyone.entries()) if (balances[i]!.balance === '0') await options.fund({ type: 'send', to: key.address, amount: '1000' });
  for (const [i, key] of everyone.entries()) if (balances[i]!.balance === '0') await funded(nodeUrl, key.address, '1000', 30_000);
  say(`funded an admin, ${plural(evaluators, 'evaluator')}, ${plural(workers, 'worker')} and a client (1000 AIN each)`);

  const env: AgentEnvironment = { nodeUrl, execution, programs: await sampleJobPrograms() };
  const urls = options.nodeUrls !== undefined && options.nodeUrls.length > 0 ? options.nodeUrls : [nodeUrl];
  // The agent at `index` in order admin, evaluators, workers, client talks to its own node.
  const envAt = (index: number): AgentEnvironment => ({ ...env, nodeUrl: urls[index % urls.length]! });
  const at = (key: KeyPair): AgentEnvironment => envAt([admin, ...evaluatorKeys, ...workerKeys, client].indexOf(key));
  // The last worker is a GPU worker when asked: its program the gpu.js root kernel, run through the same runtime.
  const gpuKey = gpuWorker && workerKeys.length > 1 ? workerKeys.at(-1) : undefined;
  const gpuNotes: GpuRunNotes = { notes: [] };
  const gpuEnv = gpuKey === undefined ? undefined : await gpuWorkerEnvironment(at(gpuKey), gpuNotes);
  const envOf = (key: KeyPair): AgentEnvironment => (key === gpuKey ? gpuEnv! : at(key));
  // "Every node … needs to reserve appropriate space in Big Storage by paying fees to the storage
  // service provider prior to the initiation of an ML job": each worker pays the node it uses for room for its run logs.
  const fees = await Promise.all(workerKeys.map((key) => reserveLogRoom({ nodeUrl: envOf(key).nodeUrl, key })));
  const paid = fees.reduce((total, fee) => total + fee, 0n);
  say(
    paid === 0n
      ? `each worker holds room for its run logs in Big Storage on the node it uses`
      : `each worker reserved ${workerLogRoom.bytes / 2 ** 20} MiB for a day in Big Storage on the node it uses (${paid} AIN to the nodes in all)`,
  );
  const applicants = [
    ...evaluatorKeys.map((k) => ({ node: k.address, role: 'evaluator' as const })),
    ...workerKeys.map((k) => ({ node: k.address, role: 'worker' as const })),
  ];
  step('register');
  // How long one tx takes from its submission to an agent seeing its block here now: the request's
  // time limit must hold two of them (accept, result) beside a worker's run (see onThisMachine).
  const registerStarted = performance.now();
  const adminActor = createActor(adminMachine.provide({ actors: agentEffectsFor(admin, envOf(admin)) }), {
    input: {
      op: {
        type: 'registerJob',
        job_specification: env.programs.proto,
        fee: '1',
        challenge_fee: '5',
        ...(env.programs.testData === undefined ? {} : { test_data: env.programs.testData }),
      },
      applicants,
    },
  });
  adminActor.start();
  const job = await new Promise<string>((resolve, reject) => {
    const subscription = adminActor.subscribe((snapshot) => {
      if (snapshot.context.job !== undefined) resolve(snapshot.context.job);
      else if (snapshot.status === 'done') reject(new Error(`the admin could not register the job: ${snapshot.output?.error}`));
      if (snapshot.status !== 'active') subscription.unsubscribe();
    });
  });
  const blockMs = performance.now() - registerStarted;
  say(`registerJob: Registration complete. Job ID is ${job}`);
  // Every agent reads the job from its own node: each node must hold it before anyone applies or requests.
  await registeredEverywhere(urls, job, 60_000);
  step('approve');
  // Each applicant answers the schema's test data with its program; the admin checks each answer.
  const applied = await Promise.all(
    applicants.map(({ node, role }) => {
      const key = everyone.find((k) => k.address === node)!;
      // Workers report their machine, as their agents will judge requests by it (ain why says so).
      return applyToJob({ key, env: envOf(key), job, role, ...(role === 'worker' ? { machine: probeMachine() } : {}) });
    }),
  );
  const notApplied = applied.find((a) => !a.applied);
  if (notApplied !== undefined) throw new Error(`an applicant could not apply: ${notApplied.error}`);
  const admitted = await toPromise(adminActor);
  if (admitted.error !== undefined) throw new Error(`the admin could not approve the applicants: ${admitted.error}`);
  say(
    `the admin tested ${applicants.length} applicants against the schema's test data: ${admitted.approved.length} approved${admitted.refused.length === 0 ? '' : `, ${admitted.refused.length} dropped`}`,
  );
  for (const refusal of admitted.refused) say(`  dropped ${roles[refusal.node] ?? refusal.node}: ${refusal.why}`);
  // The admin's approvals went to its own node: wait (bounded) until this one has applied them all.
  const approvedAs = (role: string) => admitted.approved.filter((node) => applicants.find((a) => a.node === node)?.role === role).length;
  const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const expected = `${counted(approvedAs('evaluator'), 'evaluator')}, ${counted(approvedAs('worker'), 'worker')} running`;
  const statsDeadline = Date.now() + 60_000;
  let stats: string;
  do {
    ({ stats } = await getDashboard({ url: nodeUrl }, { job }));
    if (stats !== expected) await new Promise((resolve) => setTimeout(resolve, 25));
  } while (stats !== expected && Date.now() < statsDeadline);
  say(`stats: ${stats}`);

  step('warm');
  // A first run of each program, off the chain: it checks the programs against the schema on this
  // runtime and builds what the runtime needs (a container image) before any time limit runs.
  const runOnce = (program: 'worker' | 'evaluator', request: unknown, on: AgentEnvironment = env) => {
    const spec = on.programs[program];
    return on.execution.run({
      command: spec.command,
      args: [...spec.args],
      files: { ...on.programs.files },
      request,
      schema: { proto: on.programs.proto, service: spec.service, rpc: spec.rpc },
    }).result;
  };
  for (const [program, request, on, name] of [
    ['worker', { y: 4 }, env, 'worker'],
    ['evaluator', { request: { y: 4 }, workers: [] }, env, 'evaluator'],
    ...(gpuEnv === undefined ? [] : [['worker', { y: 4 }, gpuEnv, 'GPU worker'] as const]),
  ] as const) {
    const warm = await runOnce(program, request, on);
    if (!warm.ok) throw new Error(`the sample's ${name} program does not run on the ${execution.name} runtime: ${warm.code} ${warm.message}`);
  }
  say(`the worker and evaluator programs run on the ${execution.name} runtime`);
  if (gpuKey !== undefined) {
    const where = execution.name === 'docker' ? 'in a container of the job image, with GPU devices where the engine has some' : 'in a process of its own';
    const said = gpuNotes.notes.at(-1);
    say(
      `${roles[gpuKey.address]} is a GPU worker: its program is the gpu.js root kernel, run on the ${execution.name} runtime ${where}${said === undefined ? '' : `; ${said}`}`,
    );
  }
  // The time limit must fit what the workers do on this machine now (see onThisMachine): all of
  // them run at once when the request opens, so their runs are timed at once too (the warm run
  // above built what the runtime needs, so these are timed on their own).
  const runStarted = performance.now();
  await Promise.all(workerKeys.map((key) => runOnce('worker', { y: 4 }, envOf(key))));
  const runMs = performance.now() - runStarted;
  const requestLimitMs = onThisMachine(timeLimitMs, { runMs, blockMs });
  if (requestLimitMs > timeLimitMs) {
    say(
      `the workers' runs (${workers} at once) take ${(runMs / 1000).toFixed(1)} s and a tx ${(blockMs / 1000).toFixed(1)} s to reach a block on this machine now: the request's time limit is ${requestLimitMs / 1000} s instead of ${timeLimitMs / 1000} s, so its workers can meet it`,
    );
  }

  const from = (await getStatus({ url: nodeUrl })).height + 1;
  const evaluatorAgents = evaluatorKeys.map((key) => startEvaluatorAgent({ key, env: envOf(key), job, fromHeight: from, deposit: '20' }));
  // What each worker's agent saw and said, for the lines of a request refunded for want of a result.
  const skips = new Map<string, string>();
  const sawOpen = new Map<string, number>();
  const workerAgents = workerKeys.map((key) =>
    startWorkerAgent({
      key,
      env: envOf(key),
      job,
      fromHeight: from,
      onEvent: (event) => {
        if (event.type === 'accepted' && event.role === 'evaluator' && !sawOpen.has(key.address)) sawOpen.set(key.address, Date.now());
      },
      onSkip: (_request, why) => skips.set(key.address, why),
    }),
  );
  try {
    const op: OpOf<'requestJob'> = {
      type: 'requestJob',
      job_id: job,
      job_input: { y: 4 },
      ...sampleReward,
      reward: [...sampleReward.reward],
      time_limit: requestLimitMs,
    };
    step('request');
    say(
      `requestJob ${JSON.stringify({ job_id: `${job.slice(0, 10)}…`, job_input: op.job_input, reward: op.reward, reward_function: op.reward_function, time_limit: op.time_limit })}`,
    );
    const clientActor = createActor(clientMachine.provide({ actors: agentEffectsFor(client, envOf(client)) }), { input: { op, accepts: () => true } });
    clientActor.subscribe((snapshot) => {
      if (snapshot.status !== 'active') return;
      const clientStep = clientSteps[String(snapshot.value)];
      if (clientStep !== undefined) step(clientStep);
      say(`  client: ${String(snapshot.value)}`);
    });
    clientActor.start();
    const done: ClientOutput = await toPromise(clientActor);
    if (done.request === undefined || done.error !== undefined) throw new Error(`the client's request failed: ${done.error}`);
    // Read where the client saw its request end: another node may not hold that block yet (it
    // would still say `ranked`, with no payouts).
    const clientNode = envOf(client).nodeUrl;
    const view = await getRequest({ url: clientNode }, { id: done.request });
    const settledEvent = await settlementOf(clientNode, done.request);
    const best = view.ranking[0];
    return {
      job,
      request: done.request,
      state: view.state,
      x: best === undefined ? null : ((view.results[best] as { x?: number } | undefined)?.x ?? null),
      participants: Object.keys(view.results).length,
      evaluator: view.evaluator,
      payouts: settledEvent?.payouts ?? [],
      ...(settledEvent?.type === 'refunded' ? { refundReason: settledEvent.reason } : {}),
      ...(view.state === 'refunded' && view.refundReason === 'noResult'
        ? {
            workerLines: noResultLines(
              view,
              workerKeys.map((key, i) => ({
                address: key.address,
                role: roles[key.address]!,
                outputs: workerAgents[i]!.outputs,
                skipped: skips.get(key.address),
                sawOpenAt: sawOpen.get(key.address),
              })),
            ),
          }
        : {}),
      roles,
    };
  } finally {
    await Promise.all([...evaluatorAgents, ...workerAgents].map((agent) => agent.stop()));
  }
}

const plural = (n: number, noun: string): string => (n === 1 ? `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}` : `${n} ${noun}s`);

/** Waits (bounded) until every node at `urls` holds `job`. */
async function registeredEverywhere(urls: readonly string[], job: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (const url of urls) {
    while (
      !(await getJob({ url }, { id: job }).then(
        () => true,
        (error: unknown) => {
          if (isAinError(error, 'UNKNOWN_JOB')) return false;
          throw error;
        },
      ))
    ) {
      if (Date.now() > deadline)
        throw new AinError('NOT_FINAL', `The node at ${url} did not hold job ${job.slice(0, 10)}… within ${waitMs} ms of its registration.`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/**
 * The time limit a request needs here: the sample's own, or, on a machine slow enough that a
 * worker cannot meet it (a loaded CI box, a small VM), whichever is longer of three times the
 * workers' runs (all at once, as the request starts them) plus two seconds and three times what
 * one tx took to reach a block (a worker's accept and result must both land before the limit),
 * with what that took past a second (the block interval: the rest is the machine's load, which
 * varies most) counted twice more, in whole seconds. Without it a loaded machine refunds the
 * sample for want of a result in time, which says nothing about ain.
 */
export function onThisMachine(timeLimitMs: number, { runMs, blockMs }: { readonly runMs: number; readonly blockMs: number }): number {
  const txsMs = 3 * blockMs + 2 * Math.max(0, blockMs - 1000);
  return Math.max(timeLimitMs, Math.ceil(Math.max(3 * runMs + 2000, txsMs) / 1000) * 1000);
}

/** A worker agent of the session, as noResultLines reads it. */
interface SessionWorker {
  readonly address: string;
  readonly role: string;
  readonly outputs: readonly WorkerOutput[];
  readonly skipped: string | undefined;
  /** When (the clock's ms, which a block's time is on this machine) its agent saw the evaluator's accept. */
  readonly sawOpenAt?: number | undefined;
}

/**
 * For a request refunded for want of a result, what each worker came to, in block time from the
 * evaluator's accept (its time limit counts from there): when its agent saw that accept (by the
 * clock here: a block's time is its proposer's clock, the same on one machine), when its own
 * accept and its result landed, and what its agent said (its error, why it passed the request by,
 * or that it had not ended).
 */
export function noResultLines(view: Pick<RequestAnswer, 'deadline' | 'timeLimitMs' | 'workers'>, workers: readonly SessionWorker[]): string[] {
  const opened = view.deadline - view.timeLimitMs;
  const at = (time: number) => `${((time - opened) / 1000).toFixed(1)} s`;
  return workers.map(({ address, role, outputs, skipped, sawOpenAt }) => {
    const onChain = view.workers[address];
    const output = outputs.at(-1);
    const said = output?.error ?? skipped;
    const parts = [
      ...(sawOpenAt === undefined ? ["did not see the evaluator's accept"] : [`saw the evaluator's accept at ${at(sawOpenAt)}`]),
      onChain === undefined ? 'no accept in a block' : `accepted at ${at(onChain.acceptedAt)}`,
      ...(onChain?.submittedAt === undefined
        ? []
        : [`${onChain.failure === undefined ? 'result' : `failure (${onChain.failure.code})`} at ${at(onChain.submittedAt)}`]),
      ...(said !== undefined ? [`its agent: ${said}`] : output === undefined ? ['its agent had not ended'] : []),
    ];
    return `${role}: ${parts.join('; ')} (the limit: ${at(view.deadline)})`;
  });
}

/** The settled or refunded event of a request, from the node's recent blocks. */
async function settlementOf(nodeUrl: string, request: string): Promise<(JobEvent & { payouts: readonly Payout[] }) | undefined> {
  const { height } = await getStatus({ url: nodeUrl });
  for (let h = height; h >= Math.max(1, height - 200); h--) {
    const block = await getBlock({ url: nodeUrl }, { height: h }).catch(() => undefined);
    const found = block?.jobEvents.find((e) => (e.type === 'settled' || e.type === 'refunded') && e.request === request);
    if (found !== undefined) return found as JobEvent & { payouts: readonly Payout[] };
  }
  return undefined;
}
