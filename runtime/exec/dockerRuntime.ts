import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Writable } from 'node:stream';

import Docker from 'dockerode';

import { AinError, isAinError } from '../../schemas/index.ts';
import type { JobExit } from './decideResult.ts';
import type { ExecutionRuntime } from './executionRuntime.ts';
import { createJobImages } from './jobImage.ts';
import { startRun, type LaunchContext } from './startRun.ts';

export interface DockerRuntimeInit {
  /** The engine's unix socket; `DOCKER_HOST` (unix://…) or /var/run/docker.sock by default. */
  readonly socketPath?: string;
  /** A dockerode client to use instead of one made from `socketPath`. */
  readonly docker?: Docker;
  /** The node binary (and, through ldd, its libraries) that job images are assembled from. */
  readonly nodePath?: string;
  /** Size of the writable tmpfs at /tmp in each container. */
  readonly tmpBytes?: number;
  /** Labels each job container carries beside `ain.exec.job` (an agent's network, so taking it down finds them). */
  readonly labels?: Readonly<Record<string, string>>;
  /** The tag of a job base image already in the engine (ensureJobBaseImage), instead of one built from `nodePath` with ldd. */
  readonly baseImage?: string;
  /** Job images (base + job files) kept in the engine; older ones are removed. 16 by default. */
  readonly jobImagesMax?: number;
  /** The user jobs run as, `uid:gid`; nobody by default. */
  readonly user?: string;
  /** After the job exits, how long its output may take to arrive before the stream is cut. */
  readonly drainTimeoutMs?: number;
}

/** Labels every container the runtime makes, so tests and operators can find leftovers. */
export const jobContainerLabel = 'ain.exec.job';

/**
 * Runs each job in a fresh container of a locally built image: no network, memory (no swap),
 * CPU and pid limits, read-only root with a small tmpfs at /tmp, user nobody, every capability
 * dropped, no-new-privileges, GPUs only where one exists; the container is always removed.
 * @example const runtime = createDockerRuntime({ socketPath: '/var/run/docker.sock' });
 */
export function createDockerRuntime(init: DockerRuntimeInit = {}): ExecutionRuntime {
  const docker = init.docker ?? new Docker({ socketPath: init.socketPath ?? defaultSocketPath() });
  const images = createJobImages(docker, init.nodePath, init.jobImagesMax, init.baseImage);
  const tmpBytes = init.tmpBytes ?? 64 * 1024 * 1024;
  const user = init.user ?? '65534:65534';
  const drainTimeoutMs = init.drainTimeoutMs ?? 2000;
  const gpuPresent = existsSync('/dev/nvidiactl') || existsSync('/dev/nvidia0');
  const inFlight = new Set<Promise<unknown>>();

  const launch = async (context: LaunchContext): Promise<JobExit> => {
    const { spec, stop } = context;
    const image = await unavailableOnError('preparing the job image', () => (spec.image !== undefined ? Promise.resolve(spec.image) : images.forJob(spec)));
    if (stop.aborted) return { exitCode: null, signal: null };
    const { limits } = spec;
    let container: Docker.Container;
    try {
      container = await docker.createContainer({
        Image: image,
        Cmd: [spec.command, ...spec.args],
        WorkingDir: '/job',
        User: user,
        Env: [],
        Labels: { ...init.labels, [jobContainerLabel]: 'true' },
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        OpenStdin: true,
        StdinOnce: true,
        Tty: false,
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: 'none',
          Memory: limits.memoryBytes,
          MemorySwap: limits.memoryBytes,
          NanoCpus: Math.round(Math.min(limits.cpus, availableParallelism()) * 1e9),
          PidsLimit: limits.pids,
          ReadonlyRootfs: true,
          Tmpfs: { '/tmp': `rw,nosuid,nodev,noexec,size=${tmpBytes}` },
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          // Output comes through the attach stream; a log file would be an unbounded second copy.
          LogConfig: { Type: 'none', Config: {} },
          ...(limits.gpu && gpuPresent ? { DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']], DeviceIDs: [], Options: {} }] } : {}),
        },
      });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return { exitCode: null, signal: null, startError: `no image ${image} in the Docker engine` };
      throw unavailable('creating the container', error);
    }
    try {
      return await runContainer(container, context, drainTimeoutMs);
    } finally {
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  };

  return {
    name: 'docker',
    run(spec, options = {}) {
      const handle = startRun('docker', spec, options, launch);
      const settled = handle.result.catch(() => undefined);
      inFlight.add(settled);
      void settled.finally(() => inFlight.delete(settled));
      return handle;
    },
    async close() {
      await Promise.all(inFlight);
    },
  };
}

async function runContainer(container: Docker.Container, context: LaunchContext, drainTimeoutMs: number): Promise<JobExit> {
  const { output, stop } = context;
  const stream = (await unavailableOnError('attaching to the container', () =>
    container.attach({ stream: true, hijack: true, stdin: true, stdout: true, stderr: true }),
  )) as NodeJS.ReadWriteStream & { destroy(): void };
  const streamEnded = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  const sink = (write: (chunk: Buffer) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        write(chunk);
        done();
      },
    });
  container.modem.demuxStream(
    stream,
    sink((chunk) => output.stdout(chunk)),
    sink((chunk) => output.stderr(chunk)),
  );
  // Asked before start(): a wait for the next exit that arrives after a fast job ended would never return.
  const waiting: Promise<{ StatusCode: number }> = container.wait({ condition: 'next-exit' });
  waiting.catch(() => undefined);
  const kill = (): void => void container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
  stop.addEventListener('abort', kill, { once: true });
  try {
    context.started();
    try {
      await container.start();
    } catch (error) {
      // The engine refuses a command the image does not have (OCI runtime: "executable file not found").
      const reason = error instanceof Error ? error.message : String(error);
      if (/executable file not found|no such file or directory/i.test(reason))
        return { exitCode: null, signal: null, startError: `the image has no program ${context.spec.command}` };
      throw unavailable('starting the container', error);
    }
    stream.end(context.stdin ?? Buffer.alloc(0));
    // If the wait request lost the race with start() after all, the end of the output and a
    // short grace say the job is over; ask again for a state that is reached already.
    let waited = false;
    const fallback = streamEnded
      .then(() => new Promise((resolve) => setTimeout(resolve, drainTimeoutMs).unref()))
      .then(() => (waited ? new Promise<never>(() => undefined) : (container.wait({ condition: 'not-running' }) as Promise<{ StatusCode: number }>)));
    const { StatusCode } = await unavailableOnError('waiting for the container', () => Promise.race([waiting, fallback]));
    waited = true;
    context.exited();
    await Promise.race([streamEnded, new Promise((resolve) => setTimeout(resolve, drainTimeoutMs).unref())]);
    stream.destroy();
    const state = (await unavailableOnError('inspecting the container', () => container.inspect())).State;
    return { exitCode: StatusCode, signal: null, ...(state.OOMKilled ? { memoryLimit: true } : {}) };
  } finally {
    stop.removeEventListener('abort', kill);
    stream.destroy();
  }
}

function defaultSocketPath(): string {
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('unix://') === true ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

function unavailable(what: string, error: unknown): AinError {
  if (isAinError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new AinError('RUNTIME_UNAVAILABLE', `The Docker engine failed ${what}: ${reason}`, { cause: error });
}

async function unavailableOnError<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw unavailable(what, error);
  }
}
