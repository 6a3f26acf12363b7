import test from 'ava';
import Docker from 'dockerode';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createActor, toPromise } from 'xstate';
import { clientMachine } from '../../../actors/index.ts';
import { generateKeyPair, type KeyPair } from '../../../log/index.ts';
import {
  agentEffectsFor,
  gpuWorkerEnvironment,
  sampleJobPrograms,
  startEvaluatorAgent,
  startGpuWorkerAgent,
  type AgentEnvironment,
  type GpuRunNotes,
} from '../../../runtime/agents/index.ts';
import { callNode, getSmallBlob, signAndSubmit } from '../../../runtime/client/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { createDockerRuntime, createProcessRuntime, jobContainerLabel } from '../../../runtime/exec/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';
import type { Op, RunEvent } from '../../../schemas/index.ts';
import { startDocker } from '../../services/docker.ts';

// The GPU worker against a real Docker engine: its program, the gpu.js root kernel bundled with
// gpu.js, runs in a container of the job image (no network, read-only root, user nobody; GPU device
// requests where the engine's host has a GPU, none here), never in the agent's process, and the run
// log its result names says where the kernel ran.

const docker = await startDocker();

if (docker === undefined) {
  test.skip('the GPU worker in a container: needs a Docker engine (test/services/docker.sh)', () => undefined);
} else {
  const engine = new Docker({ socketPath: docker.socketPath });
  const execution = createDockerRuntime({ socketPath: docker.socketPath });
  const processes = createProcessRuntime();
  const [admin, evaluator, worker, client] = [generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair()] as const;
  let node: AinNode;
  let dataDir: string;
  let programs: AgentEnvironment['programs'];
  const send = (key: KeyPair, op: Op) => signAndSubmit({ nodeUrl: node.url, key, op, waitMs: 30_000 });
  const leftContainers = async () => (await engine.listContainers({ all: true, filters: { label: [jobContainerLabel] } })).map((c) => c.Id);

  test.before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ain-gpu-docker-'));
    const reservations = { [worker.address]: { bytesMax: 1 << 20, ttlMs: 3_600_000 } };
    const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 100 }, storage: { reservations } } });
    node = await startNode({ config, logger: pino({ level: 'silent' }) });
    for (const k of [admin, evaluator, worker, client]) await node.submit({ type: 'send', to: k.address, amount: '1000' });
    const funded = async () => (await callNode<{ balance: string }>(node.url, 'GET', `/v1/accounts/${client.address}`)).balance === '1000';
    for (let i = 0; i < 300 && !(await funded()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    programs = await sampleJobPrograms();
  });
  test.after.always(async () => {
    await node?.stop();
    await execution.close();
    await processes.close();
    await docker.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test.serial('the kernel program runs in a container of the job image and says where gpu.js ran it; no container is left', async (t) => {
    t.timeout(180_000);
    const notes: GpuRunNotes = { notes: [] };
    const env = await gpuWorkerEnvironment({ nodeUrl: node.url, execution, programs }, notes);
    t.deepEqual(env.programs.worker.args, ['gpu-worker.cjs', 'auto']);
    const { worker: program } = env.programs;
    const handle = env.execution.run({
      command: program.command,
      args: [...program.args],
      files: { ...env.programs.files },
      request: { y: 4 },
      schema: { proto: programs.proto, service: program.service, rpc: program.rpc },
    });
    const events: RunEvent[] = [];
    handle.events$.subscribe((event) => events.push(event));
    const result = await handle.result;
    t.true(result.ok, `${result.code} ${result.message} ${result.stderrTail}`);
    const { x } = result.reply as { x: number };
    t.true(Math.abs(x * x - 4) < 0.05, String(x));
    t.is(env.execution.name, 'docker');
    t.is(notes.notes.length, 1);
    t.regex(
      notes.notes[0]!,
      /^gpu\.js ran the kernel in its (wasm|cpu) mode on the CPU: no GPU where it ran$/,
      'no GPU on this engine: the kernel fell back and said so',
    );
    t.true(events.some((e) => e.type === 'progress' && e.message === notes.notes[0]));
    t.deepEqual(await leftContainers(), [], 'the container was removed');
  });

  test.serial(
    'given a job with a GPU worker in Docker, when a client requests, then the GPU worker is ranked and its run log says it ran in a container',
    async (t) => {
      t.timeout(180_000);
      const job = (await send(admin, { type: 'registerJob', job_specification: programs.proto, fee: '1', challenge_fee: '5' })).hash;
      for (const [k, role] of [
        [evaluator, 'evaluator'],
        [worker, 'worker'],
      ] as const) {
        await send(k, { type: 'applyJob', job_id: job, role });
        await send(admin, { type: 'approveNode', job_id: job, node: k.address, role });
      }
      const fromHeight = (await callNode<{ height: number }>(node.url, 'GET', '/v1/status')).height + 1;
      const evaluatorEnv: AgentEnvironment = { nodeUrl: node.url, execution: processes, programs };
      const gpu = await startGpuWorkerAgent({ key: worker, env: { nodeUrl: node.url, execution, programs }, job, fromHeight });
      const agents = [startEvaluatorAgent({ key: evaluator, env: evaluatorEnv, job, fromHeight, deposit: '20' }), gpu];
      let id: string | undefined;
      try {
        const op = { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'] as [string, string], time_limit: 8000 } as const;
        const actor = createActor(clientMachine.provide({ actors: agentEffectsFor(client, evaluatorEnv) }), { input: { op, accepts: () => true } });
        actor.start();
        const output = await toPromise(actor);
        id = output.request;
        t.truthy(id, output.error);
      } finally {
        await Promise.all(agents.map((a) => a.stop()));
      }
      const ended = await callNode<{ state: string; ranking: string[]; results: Record<string, { x: number }>; workers: Record<string, { log?: string }> }>(
        node.url,
        'GET',
        `/v1/jobs/${id!}`,
      );
      t.is(ended.state, 'settled');
      t.deepEqual(ended.ranking, [worker.address]);
      t.is(gpu.runtime, 'docker');
      const lines = new TextDecoder()
        .decode(await getSmallBlob({ nodeUrl: node.url, ref: ended.workers[worker.address]!.log!, key: client }))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      t.like(lines[0], { type: 'run', request: id, worker: worker.address, runtime: 'docker' });
      t.true(
        lines.some((l) => l.type === 'progress' && typeof l.message === 'string' && l.message.startsWith('gpu.js ran the kernel')),
        JSON.stringify(lines),
      );
      t.like(lines.at(-1), { type: 'end', ok: true, exitCode: 0 });
      t.deepEqual(await leftContainers(), []);
    },
  );
}
