import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { createActor, toPromise } from 'xstate';
import { adminMachine, clientMachine } from '../../actors/index.ts';
import type { KeyPair } from '../../log/index.ts';
import { AinError, type Op, type OpOf } from '../../schemas/index.ts';
import {
  agentEffectsFor,
  applyToJob,
  onThisMachine,
  startEvaluatorAgent,
  startWorkerAgent,
  type AgentEnvironment,
  type JobAgent,
  type JobPrograms,
} from '../agents/index.ts';
import { getAccount, getRequest, getStatus, putSmallBlob } from '../client/index.ts';
import type { ExecutionRuntime } from '../exec/index.ts';
import { loadOrCreateKeyFile } from '../keys/index.ts';

/** Where an example runs: a node, a key that pays, a key that may store, a runtime for the programs. */
export interface ExampleNetwork {
  readonly nodeUrl: string;
  /** Submits an op signed by a key that holds AIN: it funds the example's own keys. */
  fund(op: Op): Promise<unknown>;
  /** A key with a reservation in the node's Big Storage: the example's data is stored under it. */
  readonly storageKey: KeyPair;
  /** Where the example's keys are made (a fresh folder per run inside it). */
  readonly dataDir: string;
  readonly execution: ExecutionRuntime;
  readonly say: (line: string) => void;
}

export interface ExampleJobOptions {
  readonly programs: JobPrograms;
  readonly workers: number;
  /** Where each worker acts, from the job's environment (a GPU worker's kernel program instead of the worker program: gpuWorkerEnvironment). */
  readonly workerEnv?: (key: KeyPair, env: AgentEnvironment) => Promise<AgentEnvironment>;
  /** Workers fetch the blobs a request's input names and hand them to the program as files. */
  readonly inputBlobs?: boolean;
  /** The requests' time limit, stretched to what this machine needs (see onThisMachine). */
  readonly timeLimitMs?: number;
  /** AIN each of the example's keys is sent. */
  readonly fundsAin?: number;
}

/** How a request pays: the paper's `[evaluator, workers]` and how the pool is split. */
export type RequestTerms = Pick<OpOf<'requestJob'>, 'reward' | 'reward_function' | 'reward_weights' | 'worker_node'>;

/** A request once it ended: its workers' results and the evaluator's ranking, best first. */
export interface ExampleRequest {
  readonly request: string;
  readonly state: string;
  readonly ranking: readonly string[];
  readonly results: Readonly<Record<string, unknown>>;
}

export interface ExampleJob {
  readonly job: string;
  readonly client: KeyPair;
  readonly workers: readonly KeyPair[];
  readonly evaluator: KeyPair;
  readonly timeLimitMs: number;
  /** Requests the job with `input` and follows it until it settles or is refunded (the client accepts every ranking). */
  request(input: unknown, terms?: Partial<RequestTerms>): Promise<ExampleRequest>;
  /** Stores `value` as JSON in Big Storage, readable by the job's client, evaluator and workers. */
  store(value: unknown): Promise<string>;
  stop(): Promise<void>;
}

const defaultTerms: RequestTerms = { reward: ['1', '3'], reward_function: 'even' };

async function waitFunded(nodeUrl: string, address: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while ((await getAccount({ url: nodeUrl }, { address })).balance === '0') {
    if (Date.now() > deadline) throw new AinError('NOT_FINAL', `${address} was not funded within ${waitMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The admin registers the job and approves the evaluator and the workers once each has answered
 * the schema's test data; resolves with the job and how long its registration took to land.
 */
async function registerAndAdmit(
  env: AgentEnvironment,
  keys: { readonly admin: KeyPair; readonly evaluator: KeyPair; readonly workers: readonly KeyPair[] },
): Promise<{ job: string; blockMs: number }> {
  const { programs } = env;
  const everyone = [keys.evaluator, ...keys.workers];
  const applicants = [{ node: keys.evaluator.address, role: 'evaluator' as const }, ...keys.workers.map((k) => ({ node: k.address, role: 'worker' as const }))];
  const registerStarted = performance.now();
  const adminActor = createActor(adminMachine.provide({ actors: agentEffectsFor(keys.admin, env) }), {
    input: {
      op: {
        type: 'registerJob',
        job_specification: programs.proto,
        fee: '0',
        challenge_fee: '1',
        ...(programs.testData === undefined ? {} : { test_data: programs.testData }),
      },
      applicants,
    },
  }).start();
  const job = await new Promise<string>((resolve, reject) => {
    const subscription = adminActor.subscribe((snapshot) => {
      if (snapshot.context.job !== undefined) resolve(snapshot.context.job);
      else if (snapshot.status === 'done') reject(new AinError('INTERNAL', `The admin could not register the job: ${snapshot.output?.error}`));
      if (snapshot.status !== 'active') subscription.unsubscribe();
    });
  });
  const blockMs = performance.now() - registerStarted;
  const applied = await Promise.all(applicants.map(({ node, role }) => applyToJob({ key: everyone.find((k) => k.address === node)!, env, job, role })));
  const notApplied = applied.find((a) => !a.applied);
  if (notApplied !== undefined) throw new AinError('INTERNAL', `An applicant could not apply: ${notApplied.error}`);
  const admitted = await toPromise(adminActor);
  if (admitted.error !== undefined || admitted.refused.length > 0)
    throw new AinError('INTERNAL', `The admin did not approve every applicant: ${admitted.error ?? admitted.refused.map((r) => r.why).join('; ')}`);
  return { job, blockMs };
}

/** How long `count` runs of the worker program on the schema's test data take here, all at once (0 without test data). */
async function timeWorkerRuns(envs: readonly AgentEnvironment[]): Promise<number> {
  const testData = envs[0]?.programs.testData;
  if (testData === undefined) return 0;
  const run = ({ execution, programs }: AgentEnvironment) =>
    execution.run({
      command: programs.worker.command,
      args: [...programs.worker.args],
      files: { ...programs.files },
      request: testData.request,
      schema: { proto: programs.proto, service: programs.worker.service, rpc: programs.worker.rpc },
    }).result;
  // A first run of a program of its own builds what its runtime needs (a container image) off the clock.
  if (envs.some((env) => env.programs !== envs[0]!.programs)) await Promise.all(envs.map(run));
  const started = performance.now();
  await Promise.all(envs.map(run));
  return performance.now() - started;
}

/**
 * An example's job on a running node, by agents as `ain up` runs the sample: fresh keys for an
 * admin, one evaluator, `workers` workers and a client, funded; the admin registers the job's
 * programs and approves the applicants it tested; the evaluator and the workers follow the
 * job's requests. Each `request` is one client session: request, wait for the ranking, accept.
 */
export async function startExampleJob(network: ExampleNetwork, options: ExampleJobOptions): Promise<ExampleJob> {
  const { nodeUrl, execution } = network;
  const { programs } = options;
  const dir = await mkdtemp(join(network.dataDir, 'keys-'));
  const keyOf = async (name: string) => (await loadOrCreateKeyFile(join(dir, `${name}.key`))).key;
  const admin = await keyOf('admin');
  const evaluator = await keyOf('evaluator');
  const client = await keyOf('client');
  const workers = await Promise.all(Array.from({ length: options.workers }, (_, i) => keyOf(`worker-${i + 1}`)));
  const everyone = [admin, evaluator, client, ...workers];
  const amount = String(options.fundsAin ?? 500);
  // The sends go out together (the funder's submit queue keeps their nonces in order) and land in a block or two.
  await Promise.all(everyone.map((key) => network.fund({ type: 'send', to: key.address, amount })));
  await Promise.all(everyone.map((key) => waitFunded(nodeUrl, key.address, 60_000)));

  const env: AgentEnvironment = { nodeUrl, execution, programs, ...(options.inputBlobs === true ? { inputBlobs: true } : {}) };
  const { job, blockMs } = await registerAndAdmit(env, { admin, evaluator, workers });
  network.say(`registerJob ${job.slice(0, 10)}…: the admin tested and approved 1 evaluator and ${workers.length} workers`);
  // The requests' time limit must fit what the workers' programs and a block take on this machine now.
  const workerEnvs = await Promise.all(workers.map((key) => options.workerEnv?.(key, env) ?? env));
  const runMs = await timeWorkerRuns(workerEnvs);
  const timeLimitMs = onThisMachine(options.timeLimitMs ?? 2000, { runMs, blockMs });
  network.say(`each request's time limit: ${timeLimitMs / 1000} s (a block took ${(blockMs / 1000).toFixed(1)} s here)`);

  const from = (await getStatus({ url: nodeUrl })).height + 1;
  const agents: JobAgent<unknown>[] = [
    startEvaluatorAgent({ key: evaluator, env, job, fromHeight: from, deposit: '2' }),
    ...workers.map((key, i) => startWorkerAgent({ key, env: workerEnvs[i]!, job, fromHeight: from })),
  ];
  // One client effects for every request: its txs go through one submit queue, in nonce order.
  const clientLogic = clientMachine.provide({ actors: agentEffectsFor(client, env) });
  const readers = [client.address, evaluator.address, ...workers.map((k) => k.address)];
  return {
    job,
    client,
    workers,
    evaluator,
    timeLimitMs,
    async request(input, terms = {}) {
      const op: OpOf<'requestJob'> = {
        type: 'requestJob',
        job_id: job,
        job_input: input as OpOf<'requestJob'>['job_input'],
        ...defaultTerms,
        ...terms,
        time_limit: timeLimitMs,
      };
      const done = await toPromise(createActor(clientLogic, { input: { op, accepts: () => true } }).start());
      if (done.request === undefined || done.error !== undefined) throw new AinError('INTERNAL', `The client's request failed: ${done.error}`);
      const view = await getRequest({ url: nodeUrl }, { id: done.request });
      return { request: done.request, state: view.state, ranking: view.ranking ?? [], results: view.results };
    },
    store: (value) => putSmallBlob({ nodeUrl, key: network.storageKey, bytes: Buffer.from(JSON.stringify(value), 'utf8'), readers }),
    async stop() {
      await Promise.all(agents.map((agent) => agent.stop()));
    },
  };
}
