import { parseArgs } from 'node:util';

import {
  applyToJob,
  probeMachine,
  reserveLogRoom,
  sampleJobPrograms,
  startEvaluatorAgent,
  startFunctionWorker,
  startWorkerAgent,
  workerLogRoom,
  type AgentEnvironment,
} from '../agents/index.ts';
import { getStatus, isAinError } from '../client/index.ts';
import { createDockerRuntime, createProcessRuntime } from '../exec/index.ts';
import { loadOrCreateKeyFile } from '../keys/index.ts';
import type { CommandContext } from './main.ts';
import { UsageError } from './output.ts';

const flags = {
  role: { type: 'string' },
  node: { type: 'string' },
  job: { type: 'string' },
  key: { type: 'string', default: 'agent.key' },
  runtime: { type: 'string', default: 'docker' },
  'job-base-image': { type: 'string' },
  deposit: { type: 'string', default: '20' },
  'min-reward': { type: 'string' },
  'run-label': { type: 'string', multiple: true },
  'log-room': { type: 'string' },
} as const;

/**
 * `ain agent --role function --node URL [--key FILE] [--runtime docker|process]`: a function worker
 * for the functions its key owns: runs them on the writes that fire them and on HTTP calls
 * (`POST /v1/functions/<id>/invoke`), until SIGTERM or SIGINT.
 */
async function functionAgent(nodeUrl: string, keyFile: string, runtime: string): Promise<void> {
  if (runtime !== 'docker' && runtime !== 'process') throw new UsageError(`--runtime is docker or process, not "${runtime}".`);
  const { key, created } = await loadOrCreateKeyFile(keyFile);
  const execution = runtime === 'docker' ? createDockerRuntime({}) : createProcessRuntime();
  const { height } = await getStatus({ url: nodeUrl });
  const agent = startFunctionWorker({ key, nodeUrl, execution, fromHeight: height + 1 });
  line({ event: 'started', role: 'function', address: key.address, keyCreated: created, node: nodeUrl, runtime: execution.name, fromHeight: height + 1 });
  const reported = { triggers: 0, calls: 0 };
  const report = setInterval(() => {
    for (; reported.triggers < agent.outputs.length; reported.triggers++) line({ event: 'trigger', output: agent.outputs[reported.triggers] });
    for (; reported.calls < agent.calls.length; reported.calls++) line({ event: 'call', output: agent.calls[reported.calls] });
  }, 500);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  clearInterval(report);
  await agent.stop();
  await execution.close();
  line({ event: 'stopped', triggers: agent.outputs.length, calls: agent.calls.length });
}

/** One JSON line on stdout: what the agent did (a container's log reads as the agent's story). */
const line = (event: Record<string, unknown>) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n');

/**
 * `ain agent --role worker|evaluator --node URL --job JOB_ID [--key FILE] [--runtime docker|process]
 * [--job-base-image TAG] [--run-label K=V …] [--deposit N] [--min-reward N] [--log-room BYTES]`: one long-running worker or evaluator
 * agent of a job on a node. A worker first reserves room for its run logs in the node's Big Storage
 * (`--log-room`, 16 MiB for a day by default; 0: none) unless it holds some. It applies to the job (its program answers the schema's test data;
 * the job's admin approves it), then follows the job's requests until SIGTERM or SIGINT: a worker
 * accepts the requests it can serve, runs the worker program in a container (or a process) and
 * submits the result; an evaluator accepts requests with `--deposit` and ranks their results.
 * The programs are the sample job's (examples/root). What `ain deploy agents` runs in each agent
 * container.
 */
export async function agentCommand(args: string[], _context: CommandContext): Promise<void> {
  const { values } = parseArgs({ args, options: flags });
  const role = values.role;
  if (role !== 'worker' && role !== 'evaluator' && role !== 'function')
    throw new UsageError(`ain agent needs --role worker, evaluator or function, got "${role ?? ''}".`);
  if (values.node === undefined) throw new UsageError('ain agent needs --node URL (the node it reads the chain from and submits to).');
  if (role === 'function') return functionAgent(values.node, values.key, values.runtime);
  if (values.job === undefined || !/^[0-9a-f]{64}$/.test(values.job))
    throw new UsageError('ain agent needs --job JOB_ID (64 hex digits: the job it works on).');
  if (values.runtime !== 'docker' && values.runtime !== 'process') throw new UsageError(`--runtime is docker or process, not "${values.runtime}".`);
  if (!/^[0-9]+$/.test(values.deposit)) throw new UsageError(`--deposit is a whole number of AIN, got "${values.deposit}".`);
  if (values['min-reward'] !== undefined && !/^[0-9]+$/.test(values['min-reward'])) throw new UsageError(`--min-reward is a whole number of AIN.`);
  if (values['log-room'] !== undefined && !/^[0-9]+$/.test(values['log-room']))
    throw new UsageError(`--log-room is a whole number of bytes (0: reserve none).`);
  const logRoom = values['log-room'] === undefined ? workerLogRoom.bytes : Number(values['log-room']);
  const labels = Object.fromEntries(
    (values['run-label'] ?? []).map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new UsageError(`--run-label is KEY=VALUE, got "${pair}".`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  const { key, created } = await loadOrCreateKeyFile(values.key);
  const execution =
    values.runtime === 'docker'
      ? createDockerRuntime({ labels, ...(values['job-base-image'] === undefined ? {} : { baseImage: values['job-base-image'] }) })
      : createProcessRuntime();
  const env: AgentEnvironment = { nodeUrl: values.node, execution, programs: await sampleJobPrograms() };
  const job = values.job;
  line({ event: 'started', role, address: key.address, keyCreated: created, node: env.nodeUrl, job, runtime: execution.name });

  if (role === 'worker' && logRoom > 0) {
    // Room for its run logs on its node, paid before it takes a job; without it the runs go on and keep no log.
    await reserveLogRoom({ nodeUrl: env.nodeUrl, key, bytes: logRoom }).then(
      (fee) => line({ event: 'storage', bytes: logRoom, ttlMs: workerLogRoom.ttlMs, fee: fee.toString() }),
      (error: unknown) => line({ event: 'storage', error: (error as Error).message, ...(isAinError(error) ? { code: error.code } : {}) }),
    );
  }
  const machine = role === 'worker' ? probeMachine() : undefined;
  const applied = await applyToJob({ key, env, job, role, ...(machine === undefined ? {} : { machine }) });
  line({ event: 'applied', applied: applied.applied, ...(applied.error === undefined ? {} : { error: applied.error }) });

  const { height } = await getStatus({ url: env.nodeUrl });
  const minRewardAin = values['min-reward'] === undefined ? undefined : BigInt(values['min-reward']);
  const agent =
    role === 'worker'
      ? startWorkerAgent({
          key,
          env,
          job,
          fromHeight: height + 1,
          ...(minRewardAin === undefined ? {} : { minRewardAin }),
          onSkip: (request, why) => line({ event: 'skipped', request, why }),
        })
      : startEvaluatorAgent({
          key,
          env,
          job,
          fromHeight: height + 1,
          deposit: values.deposit,
          onSkip: (request, why) => line({ event: 'skipped', request, why }),
        });
  line({ event: 'following', fromHeight: height + 1 });

  let reported = 0;
  const report = setInterval(() => {
    for (; reported < agent.outputs.length; reported++) line({ event: 'done', output: agent.outputs[reported] });
  }, 500);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  clearInterval(report);
  await agent.stop();
  line({ event: 'stopped', done: agent.outputs.length });
}
