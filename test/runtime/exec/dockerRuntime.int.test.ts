import { createServer, type Server } from 'node:net';

import test from 'ava';
import Docker from 'dockerode';

import { createDockerRuntime, jobContainerLabel, type ExecutionRuntime } from '../../../runtime/exec/index.ts';
import type { RunSpecInput } from '../../../schemas/index.ts';
import { startDocker } from '../../services/docker.ts';
import { runtimeContract } from './contract.ts';
import { testJob, workerSchema } from './jobs.ts';

const docker = await startDocker();

if (docker === undefined) {
  test.skip('dockerRuntime: needs a Docker engine (test/services/docker.sh)', () => undefined);
} else {
  const { socketPath } = docker;
  test.after.always(() => docker.stop());
  runtimeContract('dockerRuntime', async () => ({ runtime: createDockerRuntime({ socketPath }), cleanup: async () => undefined }), { serial: true });
  hostileJobs(socketPath);
}

/** Hostile jobs: each is stopped or contained and reported with a code, and the next run still works. */
function hostileJobs(socketPath: string): void {
  const runtime = createDockerRuntime({ socketPath });
  const engine = new Docker({ socketPath });
  const limits = { wallTimeMs: 20_000, memoryBytes: 128 * 1024 * 1024, pids: 32 };
  const job = (behaviour: string, extra: Partial<RunSpecInput> = {}, arg?: string): RunSpecInput => testJob(behaviour, { limits, ...extra }, arg);
  const nextRunWorks = async (t: import('ava').ExecutionContext, subject: ExecutionRuntime): Promise<void> => {
    const outcome = await subject.run(job('root', { request: { y: 9 }, schema: workerSchema })).result;
    t.true(outcome.ok, `the next run failed: ${outcome.message}`);
    t.deepEqual(outcome.reply, { x: 3 });
    const left = await engine.listContainers({ all: true, filters: { label: [jobContainerLabel] } });
    t.deepEqual(
      left.map((container) => container.Id),
      [],
      'a job container was left behind',
    );
  };
  test.after.always(() => runtime.close());
  // One at a time: the machine is small and each job tries to take what it can.
  const hostile = test.serial;

  hostile('dockerRuntime (hostile): a socket to 127.0.0.1 reaches nothing of the host', async (t) => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const outcome = await runtime.run(job('connect', {}, String(port))).result;
      t.is(outcome.code, 'RUN_FAILED');
      t.regex(outcome.stderrTail, /connect failed: (ECONNREFUSED|ENETUNREACH|EHOSTUNREACH)/);
      t.is(connections, 0);
    } finally {
      server.close();
    }
    await nextRunWorks(t, runtime);
  });

  hostile('dockerRuntime (hostile): a fork bomb hits the pids limit and is killed at its time limit', async (t) => {
    const outcome = await runtime.run(job('forkBomb', { limits: { ...limits, wallTimeMs: 4000 } })).result;
    t.is(outcome.code, 'RUN_TIMEOUT');
    // The pids limit shows as spawns refused (EAGAIN) or children that cannot start their threads.
    t.regex(outcome.stderrTail, /EAGAIN|spawn failed|uv_thread_create/);
    await nextRunWorks(t, runtime);
  });

  hostile('dockerRuntime (hostile): allocating past the memory limit is RUN_MEMORY_LIMIT', async (t) => {
    const outcome = await runtime.run(job('allocate')).result;
    t.is(outcome.code, 'RUN_MEMORY_LIMIT', outcome.message);
    await nextRunWorks(t, runtime);
  });

  hostile('dockerRuntime (hostile): writing to / fails on the read-only root', async (t) => {
    const outcome = await runtime.run(job('writeRoot')).result;
    t.is(outcome.code, 'RUN_FAILED');
    t.regex(outcome.stderrTail, /write failed: (EROFS|EACCES)/);
    await nextRunWorks(t, runtime);
  });

  hostile('dockerRuntime (hostile): the host /etc/shadow is not there to read', async (t) => {
    const outcome = await runtime.run(job('readShadow')).result;
    t.is(outcome.code, 'RUN_FAILED');
    t.regex(outcome.stderrTail, /read failed: (ENOENT|EACCES)/);
    await nextRunWorks(t, runtime);
  });

  hostile('dockerRuntime (hostile): a job that runs past its time is killed and removed', async (t) => {
    const outcome = await runtime.run(job('spin', { limits: { ...limits, wallTimeMs: 1500 } })).result;
    t.is(outcome.code, 'RUN_TIMEOUT');
    await nextRunWorks(t, runtime);
  });

  hostile('dockerRuntime: an image or program that is not there is RUN_FAILED, an engine that is not there RUNTIME_UNAVAILABLE', async (t) => {
    const missing = await runtime.run(job('root', { image: 'ain-no-such-image:1' })).result;
    t.is(missing.code, 'RUN_FAILED');
    const noProgram = await runtime.run({ command: 'python3', args: ['job.py'], limits }).result;
    t.is(noProgram.code, 'RUN_FAILED', noProgram.message);
    t.regex(noProgram.message ?? '', /no program python3/);
    const nowhere = createDockerRuntime({ socketPath: '/nonexistent/docker.sock' });
    const gone = await nowhere.run(job('root')).result;
    t.is(gone.code, 'RUNTIME_UNAVAILABLE');
  });
}
