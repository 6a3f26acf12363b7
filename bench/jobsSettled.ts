import { join } from 'node:path';
import { createActor, toPromise } from 'xstate';
import { clientMachine } from '../actors/index.ts';
import { generateKeyPair, type KeyPair } from '../log/index.ts';
import { agentEffectsFor, sampleJobPrograms, startEvaluatorAgent, startWorkerAgent, type AgentEnvironment } from '../runtime/agents/index.ts';
import { callNode, signAndSubmit } from '../runtime/client/index.ts';
import { createProcessRuntime } from '../runtime/exec/index.ts';
import { withTempDir, type Figure } from './measure.ts';
import { startBenchNode } from './nodeFixtures.ts';
import { waitForQuiet } from './quiet.ts';

const workers = 20;
const clients = 5;
const workersPerRequest = 2;
const runMs = 30_000;
const timeLimitMs = 3000;

/**
 * Jobs settled per minute by agents on one node: 20 workers (2 named per request, round robin),
 * one evaluator and 5 clients each requesting the sample job again as soon as the last settled,
 * for 30 s; the programs run in the process runtime.
 */
export async function benchJobsSettled(): Promise<Figure[]> {
  await waitForQuiet();
  return withTempDir('jobs-settled', async (dataDir) => {
    const node = await startBenchNode(join(dataDir));
    const execution = createProcessRuntime();
    const env: AgentEnvironment = { nodeUrl: node.url, execution, programs: await sampleJobPrograms() };
    const admin = generateKeyPair();
    const evaluator = generateKeyPair();
    const workerKeys = Array.from({ length: workers }, () => generateKeyPair());
    const clientKeys = Array.from({ length: clients }, () => generateKeyPair());
    const everyone: KeyPair[] = [admin, evaluator, ...workerKeys, ...clientKeys];
    try {
      for (const k of everyone) await node.submit({ type: 'send', to: k.address, amount: '1000000' });
      for (let i = 0; i < 500; i++) {
        if ((await callNode<{ balance: string }>(node.url, 'GET', `/v1/accounts/${clientKeys.at(-1)!.address}`)).balance === '1000000') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const send = (key: KeyPair, op: Parameters<typeof signAndSubmit>[0]['op']) => signAndSubmit({ nodeUrl: node.url, key, op, waitMs: 30_000 });
      const job = (await send(admin, { type: 'registerJob', job_specification: env.programs.proto })).hash;
      for (const [key, role] of [[evaluator, 'evaluator'] as const, ...workerKeys.map((k) => [k, 'worker'] as const)]) {
        await send(key, { type: 'applyJob', job_id: job, role });
        await send(admin, { type: 'approveNode', job_id: job, node: key.address, role });
      }
      const fromHeight = (await callNode<{ height: number }>(node.url, 'GET', '/v1/status')).height + 1;
      const agents = [
        startEvaluatorAgent({ key: evaluator, env, job, fromHeight, deposit: '20' }),
        ...workerKeys.map((key) => startWorkerAgent({ key, env, job, fromHeight })),
      ];
      let next = 0;
      let settled = 0;
      let refunded = 0;
      const startMs = performance.now();
      const deadline = startMs + runMs;
      const loop = async (client: KeyPair) => {
        while (performance.now() < deadline) {
          const named = Array.from({ length: workersPerRequest }, () => workerKeys[next++ % workers]!.address);
          const op = {
            type: 'requestJob' as const,
            job_id: job,
            job_input: { y: 4 },
            reward: ['10', '10'] as [string, string],
            time_limit: timeLimitMs,
            worker_node: named,
          };
          const output = await toPromise(
            createActor(clientMachine.provide({ actors: agentEffectsFor(client, env) }), { input: { op, accepts: () => true } }).start(),
          );
          if (output.state === 'settled') settled++;
          else refunded++;
        }
      };
      await Promise.all(clientKeys.map(loop));
      const elapsedMs = performance.now() - startMs;
      await Promise.all(agents.map((a) => a.stop()));
      const note = `${workers} workers (${workersPerRequest} named per request), 1 evaluator, ${clients} clients requesting again as each settles, time_limit ${timeLimitMs} ms, block interval 1000 ms, ${Math.round(elapsedMs)} ms; ${refunded} refunded`;
      return [{ name: 'jobs.settled.perMin', value: (settled * 60_000) / elapsedMs, unit: 'jobs/min', note }];
    } finally {
      await execution.close();
      await node.stop();
    }
  });
}
