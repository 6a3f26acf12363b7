import { createActor, toPromise, type AnyStateMachine } from 'xstate';
import {
  applicantMachine,
  evaluatorMachine,
  workerMachine,
  type ApplicantOutput,
  type EvaluatorOutput,
  type JobSchemaRecord,
  type WorkerOutput,
} from '../../actors/index.ts';
import type { JobEvent } from '../../projections/index.ts';
import { binariesProblem, programHashOf, type KeyPair } from '../../log/index.ts';
import type { OpOf } from '../../schemas/index.ts';
import { boxKeyOf, followStream, getJob, getRequest, getStatus } from '../client/index.ts';
import { agentEffectsFor, submitterFor, type AgentEnvironment } from './nodeAgentEffects.ts';
import { probeMachine, rewardWorthIt, unmetRequirement, type MachineState } from './workerPolicy.ts';

/** A running agent: what its actors came to so far, and a way to stop following the chain. */
export interface JobAgent<Output> {
  readonly outputs: Output[];
  /** Resolves once every actor it started has ended. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

interface FollowJobOptions {
  /** Sees every event of the job's stream, before the requests are picked (a worker answers its reservations there). */
  readonly onEvent?: (event: JobEvent) => void;
  readonly key: KeyPair;
  readonly env: AgentEnvironment;
  readonly job: string;
  readonly fromHeight?: number;
}

/**
 * Follows a node's stream and starts one live actor of `machine` (its effects provided) for each
 * input `select` finds in an event; keeps the actors' outputs. Shared by every kind of agent.
 */
export function followAndStart<Output>(
  { nodeUrl, stream, fromHeight }: { readonly nodeUrl: string; readonly stream: string; readonly fromHeight?: number },
  machine: AnyStateMachine,
  select: (data: unknown) => Promise<readonly unknown[]>,
): JobAgent<Output> {
  const stopping = new AbortController();
  const outputs: Output[] = [];
  const running = new Set<Promise<void>>();
  const following = (async () => {
    try {
      for await (const event of followStream(nodeUrl, stream, { fromHeight, signal: stopping.signal })) {
        for (const input of await select(event.data)) {
          const actor = createActor(machine, { input });
          const done = toPromise(actor)
            .then((output) => void outputs.push(output as Output))
            .catch(() => undefined)
            .finally(() => running.delete(done));
          running.add(done);
          actor.start();
        }
      }
    } catch (error) {
      if (!stopping.signal.aborted) throw error;
    }
  })();
  following.catch(() => undefined);
  return {
    outputs,
    settled: async () => {
      while (running.size > 0) await Promise.all(running);
    },
    async stop() {
      stopping.abort();
      await following.catch(() => undefined);
    },
  };
}

/** One actor per request of `job` that `pick` takes (with the input it returns), each request once. */
function followJob<Output>(
  { key, env, job, fromHeight, onEvent }: FollowJobOptions,
  machine: AnyStateMachine,
  pick: (event: JobEvent) => Promise<unknown | undefined>,
): JobAgent<Output> {
  const seen = new Set<string>();
  const effects = agentEffectsFor(key, env);
  return followAndStart<Output>({ nodeUrl: env.nodeUrl, stream: `jobs/${job}`, fromHeight }, machine.provide({ actors: effects }), async (data) => {
    const inputs: unknown[] = [];
    for (const e of (data as { events: JobEvent[] }).events) {
      onEvent?.(e);
      if (!('request' in e) || seen.has(e.request)) continue;
      const input = await pick(e);
      if (input === undefined) continue;
      seen.add(e.request);
      inputs.push(input);
    }
    return inputs;
  });
}

/**
 * Whether this agent runs what `job`'s admin published (the Binary Manager): the version in force
 * when the agent's `program` hashes (`programHashOf`) to what that version names and the admin's
 * signature over it verifies for the node's chain; `{ version: undefined }` for a job that publishes
 * no binaries; else `{ mismatch }`, BINARY_MISMATCH's sentence (a GPU worker's kernel program
 * matches only when the admin published it).
 */
export async function checkBinaries(
  env: AgentEnvironment,
  job: string,
  program: 'worker' | 'evaluator',
): Promise<{ readonly version?: number; readonly mismatch?: string }> {
  const { binaries, admin } = await getJob({ url: env.nodeUrl }, { id: job });
  if (binaries === null || binaries === undefined) return {};
  const where = `version ${binaries.version} of the job's binaries (${binaries.repository})`;
  const { chain } = await getStatus({ url: env.nodeUrl });
  const unsigned = binariesProblem(binaries, chain, admin);
  if (unsigned !== null) return { mismatch: `BINARY_MISMATCH: ${unsigned}` };
  const { command, args } = env.programs[program];
  const hash = programHashOf({ command, args, files: env.programs.files });
  if (hash !== binaries[program]) {
    return {
      mismatch: `BINARY_MISMATCH: the ${program} program here hashes to ${hash.slice(0, 16)}…, not the ${binaries[program].slice(0, 16)}… ${where} names`,
    };
  }
  return { version: binaries.version };
}

/**
 * A worker node: for each request of `job` its evaluator accepted (or, with skip_evaluation, each
 * new one that lists it) that this machine can serve (the job's cpu, memory, gpu and storage
 * requirements against the machine-state probe) and whose best share of the workers' pool reaches `minRewardAin`, a
 * WorkerActor accepts it, runs the worker program and submits the result.
 */
export function startWorkerAgent(
  options: FollowJobOptions & {
    readonly now?: () => number;
    readonly machine?: MachineState;
    readonly minRewardAin?: bigint;
    readonly onSkip?: (request: string, why: string) => void;
  },
): JobAgent<WorkerOutput> {
  const now = options.now ?? Date.now;
  const machine = options.machine ?? probeMachine();
  let requirements: Promise<JobSchemaRecord['op']['requirements']> | undefined;
  // Preemptive buying: a reservation of this worker at a price it takes is accepted at once.
  const submit = submitterFor(options.key, options.env.nodeUrl);
  const onEvent = (event: JobEvent) => {
    options.onEvent?.(event);
    if (event.type !== 'reserved' || event.worker !== options.key.address) return;
    if (BigInt(event.price) < (options.minRewardAin ?? 0n))
      return void options.onSkip?.(event.reservation, `the reservation's price ${event.price} AIN is below ${options.minRewardAin} AIN`);
    submit({ type: 'acceptReservation', reservation_id: event.reservation }).catch((error: unknown) =>
      options.onSkip?.(event.reservation, `its acceptReservation failed: ${(error as Error).message}`),
    );
  };
  return followJob<WorkerOutput>({ ...options, onEvent }, workerMachine, async (event) => {
    const opens = (event.type === 'accepted' && event.role === 'evaluator') || event.type === 'requested';
    if (!opens) return undefined;
    const view = await getRequest({ url: options.env.nodeUrl }, { id: event.request });
    if (event.type === 'requested' && !view.skipEvaluation) return undefined; // wait for its evaluator
    if (view.workersAllowed !== null && !view.workersAllowed.includes(options.key.address)) return undefined;
    requirements ??= getJob({ url: options.env.nodeUrl }, { id: options.job }).then((j) => j.spec.requirements);
    const unmet = unmetRequirement(await requirements, machine);
    if (unmet !== null) return void options.onSkip?.(event.request, unmet);
    if (!rewardWorthIt(view, options.minRewardAin ?? 0n))
      return void options.onSkip?.(event.request, `no worker's share of its pool reaches ${options.minRewardAin} AIN`);
    // Before it runs anything: the program here must be the one the job's admin published and signed.
    const { version, mismatch } = await checkBinaries(options.env, options.job, 'worker');
    if (mismatch !== undefined) return void options.onSkip?.(event.request, mismatch);
    const readers = [view.client, view.evaluator].filter((r): r is string => r !== null);
    const boxKey = boxKeyOf(options.key);
    return {
      request: event.request,
      input: view.input,
      giveUpAtMs: now() + view.timeLimitMs,
      now,
      readers,
      boxKey,
      ...(version === undefined ? {} : { version }),
    };
  });
}

/**
 * An evaluator node: for each new request of `job`, an EvaluatorActor accepts it with `deposit`,
 * waits, evaluates and ranks — when its evaluator program is the one the job's admin published.
 */
export function startEvaluatorAgent(
  options: FollowJobOptions & { readonly deposit: string; readonly onSkip?: (request: string, why: string) => void },
): JobAgent<EvaluatorOutput> {
  return followJob<EvaluatorOutput>(options, evaluatorMachine, async (event) => {
    if (event.type !== 'requested') return undefined;
    const view = await getRequest({ url: options.env.nodeUrl }, { id: event.request });
    if (view.skipEvaluation || (view.evaluatorsAllowed !== null && !view.evaluatorsAllowed.includes(options.key.address))) return undefined;
    const { mismatch } = await checkBinaries(options.env, options.job, 'evaluator');
    if (mismatch !== undefined) return void options.onSkip?.(event.request, mismatch);
    return { request: event.request, deposit: options.deposit, boxKey: boxKeyOf(options.key) };
  });
}

/** What a machine-state probe says, in the shape of a job's requirements (capped where the op's schema caps them). */
export function machineReport(machine: MachineState): NonNullable<OpOf<'applyJob'>['machine']> {
  return { cpu: Math.min(machine.cpus, 1024), memory_mb: machine.memoryMb, gpu: Math.min(machine.gpus, 64), storage_mb: machine.storageMb };
}

/**
 * A node applies to `job` as `role`: an ApplicantActor runs its program on the schema's test data
 * (if the schema has any) and submits applyJob with its answer, for the admin to check, and with
 * `machine` and `minRewardAin` when given, so the ledger can say why the node passes a request by.
 */
export async function applyToJob({
  key,
  env,
  job,
  role,
  machine,
  minRewardAin,
}: {
  readonly key: KeyPair;
  readonly env: AgentEnvironment;
  readonly job: string;
  readonly role: ApplicantOutput['role'];
  readonly machine?: MachineState;
  readonly minRewardAin?: bigint;
}): Promise<ApplicantOutput> {
  const { spec } = await getJob({ url: env.nodeUrl }, { id: job });
  const applicant = applicantMachine.provide({ actors: agentEffectsFor(key, env) });
  const input = {
    job,
    role,
    ...(spec.test_data === undefined ? {} : { testData: spec.test_data }),
    ...(machine === undefined ? {} : { machine: machineReport(machine) }),
    ...(minRewardAin === undefined ? {} : { minReward: minRewardAin.toString() }),
  };
  return toPromise(createActor(applicant, { input }).start());
}
