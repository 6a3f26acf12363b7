import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const script = join(process.cwd(), 'test/services/docker.sh');
/** The first run may install docker.io from Debian's packages; later runs start in a few seconds. */
const START_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 20_000;
const STDERR_TAIL_LINES = 40;

/** A Docker engine reached on a unix socket, from `docker.sh`; `stop()` stops it if docker.sh started it. */
export interface DockerService {
  readonly socketPath: string;
  stop(): Promise<void>;
}

/**
 * Starts (or finds) a Docker engine for the calling test file, or says why it cannot.
 * Under `CI=true` an engine that cannot start throws (the run fails); elsewhere it warns loudly,
 * naming the missing service, and resolves `undefined` so the caller registers skipped tests.
 * @example
 * const docker = await startDocker();
 * if (docker === undefined) test.skip('docker: no engine', () => {});
 */
export async function startDocker(): Promise<DockerService | undefined> {
  try {
    return await spawnDocker();
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    console.warn(`\n*** SKIPPING Docker tests: the Docker engine could not start (test/services/docker.sh).\n${String(error)}\n`);
    return undefined;
  }
}

function spawnDocker(): Promise<DockerService> {
  // Its own process group, so stop() reaches dockerd too; docker.sh also exits if this process dies.
  const child = spawn('bash', [script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killGroupNow = (): void => killGroup(child, 'SIGKILL');
  process.once('exit', killGroupNow);

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`docker.sh printed no DOCKER_HOST line within ${START_TIMEOUT_MS} ms.\n${stderrTail.join('\n')}`));
    }, START_TIMEOUT_MS);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`docker.sh exited (code ${child.exitCode}) before the engine answered.\n${stderrTail.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^DOCKER_HOST=unix:\/\/(.+)$/.exec(line);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      resolve({
        socketPath: match[1],
        async stop() {
          process.removeListener('exit', killGroupNow);
          if (child.exitCode !== null || child.signalCode !== null) return;
          // Only bash gets SIGTERM: it stops dockerd cleanly (containers, containerd) and exits.
          child.kill('SIGTERM');
          const timeout = new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), STOP_TIMEOUT_MS).unref());
          if ((await Promise.race([exited, timeout])) === 'timeout') killGroup(child, 'SIGKILL');
        },
      });
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
