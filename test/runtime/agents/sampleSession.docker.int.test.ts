import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDocker } from '../../services/docker.ts';
import { participantsIn, sampleResultLine } from './sampleResult.ts';

// `ain up` (what npm start runs) with a Docker engine reachable: the sample job's programs run in
// containers of the real engine, the request settles, and the log audits clean. A small sample (one
// evaluator, three workers): the containers are what this test is about; the paper's scale is the
// process runtime's (upCommand.e2e's pipe test).

const docker = await startDocker();
const bin = join(process.cwd(), 'bin', 'ain.js');

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

if (docker === undefined) {
  test.skip('ain up in Docker: needs a Docker engine (test/services/docker.sh)', () => undefined);
} else {
  test.after.always(() => docker.stop());
  test('ain up --once with a Docker engine runs the sample job in containers to settlement; ain audit passes', async (t) => {
    t.timeout(300_000);
    const dataDir = await mkdtemp(join(tmpdir(), 'ain-up-docker-'));
    t.teardown(() => rm(dataDir, { recursive: true, force: true }));
    const env = { ...process.env, DOCKER_HOST: `unix://${docker.socketPath}` };
    const up = await run(['up', '--once', '--nodes', '1', '--evaluators', '1', '--workers', '3', '--port', '0', '--data', dataDir], env);
    t.is(up.code, 0, up.stderr);
    t.regex(up.stdout, /its programs run in Docker containers \(the engine at /);
    t.regex(up.stdout, /the worker and evaluator programs run on the docker runtime/);
    // The GPU worker's kernel runs in a container too, and the session says where gpu.js ran it.
    t.regex(
      up.stdout,
      /worker 3 is a GPU worker: its program is the gpu\.js root kernel, run on the docker runtime in a container of the job image, with GPU devices where the engine has some; gpu\.js ran the kernel (in its (wasm|cpu) mode on the CPU: no GPU where it ran|on the GPU)/,
    );
    t.regex(up.stdout, /X: (2|1\.9\d*|2\.0\d*)\n/); // 2 exactly when the GPU worker's float32 kernel wins
    // Every worker whose result met the time limit, and the payouts that count makes (sampleResult.ts).
    const participants = participantsIn(up.stdout) ?? 0;
    t.true(participants >= 1 && participants <= 3, up.stdout);
    t.regex(up.stdout, sampleResultLine(participants));
    t.regex(up.stdout, /settled; replay and check it all/);
    const audit = await run(['audit', '--data', dataDir], env);
    t.is(audit.code, 0, audit.stdout + audit.stderr);
    t.regex(audit.stdout, /everything matches/);
  });
}
