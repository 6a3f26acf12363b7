import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import Docker from 'dockerode';

import { createDockerRuntime, createJobImages, createProcessRuntime, type ExecutionRuntime } from '../runtime/exec/index.ts';
import type { RunSpecInput } from '../schemas/index.ts';
import { startDocker } from '../test/services/docker.ts';
import { median, withTempDir, type Figure } from './measure.ts';

/** The trivial job: read the request, reply. What we measure is everything around it. */
const jobSource = `let input = ''; process.stdin.on('data', (c) => { input += c; }); process.stdin.on('end', () => { const { y } = JSON.parse(input); process.stdout.write(JSON.stringify({ x: Math.sqrt(y) })); });`;
const request = { y: 4 };
const files = { 'job.js': jobSource };
const limits = { wallTimeMs: 30_000, memoryBytes: 256 * 1024 * 1024, cpus: 1, pids: 64, outputBytesMax: 1024 * 1024 };
const processPairs = 21;
const dockerPairs = 8;

/** Times `ours` and `bare` back to back, `pairs` times after one warm-up each; the ratios ours / bare. */
async function pairedRatios(
  pairs: number,
  ours: () => Promise<void>,
  bare: () => Promise<void>,
): Promise<{ ratios: number[]; oursMs: number[]; bareMs: number[] }> {
  await ours();
  await bare();
  const ratios: number[] = [];
  const oursMs: number[] = [];
  const bareMs: number[] = [];
  const timeOf = async (body: () => Promise<void>): Promise<number> => {
    const startMs = performance.now();
    await body();
    return performance.now() - startMs;
  };
  for (let pair = 0; pair < pairs; pair++) {
    // Alternate who goes first, so neither always gets the warmer machine.
    let oursTime: number;
    let bareTime: number;
    if (pair % 2 === 0) {
      oursTime = await timeOf(ours);
      bareTime = await timeOf(bare);
    } else {
      bareTime = await timeOf(bare);
      oursTime = await timeOf(ours);
    }
    ratios.push(oursTime / bareTime);
    oursMs.push(oursTime);
    bareMs.push(bareTime);
  }
  return { ratios, oursMs, bareMs };
}

async function runOurs(runtime: ExecutionRuntime, spec: RunSpecInput): Promise<void> {
  const result = await runtime.run(spec).result;
  if (!result.ok) throw new Error(`the bench job failed: ${result.code} ${result.message}`);
}

/** The same program spawned with child_process alone: stdin in, stdout read, exit awaited. */
function spawnBare(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // The same empty environment the runtime gives (an inherited NODE_EXTRA_CA_CERTS alone slows node's start; see docs/benchmarks.md).
    const child = spawn(process.execPath, ['job.js'], { cwd: dir, env: {}, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stdin.end(JSON.stringify(request));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 && out.length > 0 ? resolve() : reject(new Error(`bare job exited ${code}`))));
  });
}

/** `docker run --rm -i` of the same image with the same options, through the Engine API. */
async function dockerBare(docker: Docker, image: string): Promise<void> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['node', 'job.js'],
    WorkingDir: '/job',
    User: '65534:65534',
    Env: [],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: true,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      Memory: limits.memoryBytes,
      MemorySwap: limits.memoryBytes,
      NanoCpus: Math.min(limits.cpus, availableParallelism()) * 1e9,
      PidsLimit: limits.pids,
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,noexec,size=67108864' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      LogConfig: { Type: 'none', Config: {} },
    },
  });
  try {
    const stream = await container.attach({ stream: true, hijack: true, stdin: true, stdout: true, stderr: true });
    const ended = new Promise((resolve) => stream.once('end', resolve));
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const waiting = container.wait({ condition: 'next-exit' });
    await container.start();
    stream.end(JSON.stringify(request));
    const { StatusCode } = (await waiting) as { StatusCode: number };
    await ended;
    if (StatusCode !== 0) throw new Error(`bare container exited ${StatusCode}`);
  } finally {
    await container.remove({ force: true });
  }
}

/** A trivial job through each runtime vs the same program without it, paired in one run. */
export async function benchExec(): Promise<Figure[]> {
  const figures: Figure[] = [];
  await withTempDir('exec', async (dir) => {
    await writeFile(join(dir, 'job.js'), jobSource);
    const runtime = createProcessRuntime({ tmpDir: dir });
    const spec: RunSpecInput = { command: process.execPath, args: ['job.js'], files, request, limits };
    const { ratios, oursMs, bareMs } = await pairedRatios(
      processPairs,
      () => runOurs(runtime, spec),
      () => spawnBare(dir),
    );
    figures.push(
      {
        name: 'exec.process.ratio',
        value: median(ratios),
        unit: 'x',
        samples: ratios,
        note: `process runtime / bare spawn of the same node job, median of ${processPairs} pairs`,
      },
      { name: 'exec.process.ms', value: median(oursMs), unit: 'ms', samples: oursMs, note: 'one trivial node job through the process runtime' },
      { name: 'exec.process.bare.ms', value: median(bareMs), unit: 'ms', samples: bareMs, note: 'the same job spawned bare' },
    );
  });

  const engine = await startDocker();
  if (engine === undefined) return figures;
  try {
    const docker = new Docker({ socketPath: engine.socketPath });
    const runtime = createDockerRuntime({ docker });
    const image = await createJobImages(docker).forJob({ files, dir: undefined });
    const spec: RunSpecInput = { command: 'node', args: ['job.js'], files, request, limits };
    const { ratios, oursMs, bareMs } = await pairedRatios(
      dockerPairs,
      () => runOurs(runtime, spec),
      () => dockerBare(docker, image),
    );
    figures.push(
      {
        name: 'exec.docker.ratio',
        value: median(ratios),
        unit: 'x',
        samples: ratios,
        note: `docker runtime / a bare create-attach-start-wait-remove of the same image and options, median of ${dockerPairs} pairs`,
      },
      {
        name: 'exec.docker.ms',
        value: median(oursMs),
        unit: 'ms',
        samples: oursMs,
        note: 'one trivial node job through the docker runtime (vfs storage driver)',
      },
      { name: 'exec.docker.bare.ms', value: median(bareMs), unit: 'ms', samples: bareMs, note: 'the same container run bare' },
    );
  } finally {
    await engine.stop();
  }
  return figures;
}
