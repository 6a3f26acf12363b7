// Node processes for end-to-end tests: `ain node` in a child process, on a free port, stopped or
// killed by the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const bin = join(process.cwd(), 'bin', 'ain.js');

export interface NodeProcess {
  readonly url: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>;
  get<T = Record<string, any>>(path: string): Promise<T>;
  post(path: string, body: unknown): Promise<{ status: number; body: Record<string, any> }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Starts `ain node --data DIR --port P …args` and waits (bounded) until it answers. */
export async function startNodeProcess(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<NodeProcess> {
  const port = await freePort();
  // The node's JSON log lines go to <dataDir>/node.log (appended across restarts), for a failing test to read.
  const out = openSync(join(dataDir, 'node.log'), 'a');
  const child = spawn(process.execPath, [bin, 'node', '--data', dataDir, '--port', String(port), ...args], {
    env: { ...process.env, AIN_VERIFY_THREADS: '1', ...env },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const node: NodeProcess = {
    url,
    dataDir,
    child,
    exited,
    get: async (path) => (await (await fetch(url + path)).json()) as never,
    async post(path, body) {
      const response = await fetch(url + path, { method: 'POST', body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  // Bounded at 60 s: on 2 cores beside the network tests' nodes a start can take tens of seconds.
  for (let i = 0; i < 2400; i++) {
    if (child.exitCode !== null) throw new Error(`ain node exited with code ${child.exitCode} before answering`);
    if (
      await fetch(`${url}/v1/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return node;
    await new Promise((r) => setTimeout(r, 25));
  }
  await node.kill('SIGKILL');
  throw new Error('ain node did not answer within 60 s');
}

/** Polls (bounded) until `check` holds. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
