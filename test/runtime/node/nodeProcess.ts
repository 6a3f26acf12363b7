// Node processes for end-to-end tests: `ain node` in a child process, on a free port, stopped or
// killed by the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, mkdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeProcessFlags } from '../../../runtime/config/index.ts';

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

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

// Ports handed to child processes are reserved across the suite's test processes: a file per port
// under <tmpdir>/ain-test-ports holding the reserving process's pid, created exclusively, kept
// until that process exits (a file whose process is gone is taken over). Checking a port free is
// not enough on its own: a network's peer ports stay unbound until its last node starts, and
// another test file (or the same one, drawing an API port) could draw one of them meanwhile, as
// a node that then failed to bind once did.
const reservations = join(tmpdir(), 'ain-test-ports');
const held: string[] = [];
process.once('exit', () => {
  for (const file of held) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Reserves `port` for this process; false when a live process holds it. */
function reserve(port: number): boolean {
  mkdirSync(reservations, { recursive: true });
  const file = join(reservations, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.push(file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue; // released meanwhile: try again
      }
      const owner = Number(text);
      // An empty file is one being written: held. A dead owner's file is taken over.
      if (!Number.isInteger(owner) || owner <= 0 || alive(owner)) return false;
      try {
        unlinkSync(file);
      } catch {
        // another process took it over first; the next create decides
      }
    }
  }
  return false;
}

/**
 * A first port `p` such that `p … p+count-1` are free on 127.0.0.1, and with `offset` also
 * `p+offset …`, reserved for this test process (see above): for a child process to bind later.
 * Drawn below the kernel's ephemeral ports (32768 and up on Linux), which a port the kernel hands
 * out (`listen(0)`, every outgoing connection) comes from. Random, so test files seldom draw
 * alike, and checked.
 */
export async function freePorts(count: number, offset?: number): Promise<number> {
  const from = 20_000;
  const to = 32_768 - (offset ?? 0) - count;
  for (let i = 0; i < 50; i++) {
    const base = from + Math.floor(Math.random() * (to - from));
    const ports = Array.from({ length: count }, (_, k) => base + k);
    if (offset !== undefined) ports.push(...ports.map((port) => port + offset));
    if (!ports.every(reserve)) continue;
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) return base;
  }
  throw new Error(`found no ${count} free ports${offset === undefined ? '' : ` with free ports ${offset} above them`} in 50 draws`);
}

/** A free port for a child process to bind (see freePorts). */
export const freePort = (): Promise<number> => freePorts(1);

/** Starts `ain node --data DIR --port P …args` (P `apiPort`, else a free port) and waits (bounded) until it answers. */
export async function startNodeProcess(dataDir: string, args: string[], env: Record<string, string> = {}, apiPort?: number): Promise<NodeProcess> {
  const port = apiPort ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  return spawnNodes([dataDir], ['--port', String(port), ...args], [url], env);
}

/**
 * Starts one `ain node --data DIR1 --data DIR2 …` process (several chains, each on the port its
 * config gives) and waits (bounded) until every one of `urls` answers; the answer speaks for the
 * first, and the process's log goes to the first dir's node.log.
 */
export function startNodesProcess(dataDirs: readonly string[], urls: readonly string[], env: Record<string, string> = {}): Promise<NodeProcess> {
  return spawnNodes(dataDirs, [], urls, env);
}

/** How long one request of a test or the bench to a node may take, its answer read. */
const requestTimeoutMs = 60_000;
/**
 * `fetch` bounded by `requestTimeoutMs`: a node that stops answering (wedged, frozen) fails the
 * caller, naming the request, where an unbounded fetch would wait for ever — inside a bounded
 * `until` too, which looks at its clock only between attempts.
 */
async function bounded(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) });
  } catch (error) {
    if ((error as Error).name !== 'TimeoutError') throw error;
    throw new Error(`${init.method ?? 'GET'} ${url} had no answer within ${requestTimeoutMs / 1000} s`, { cause: error });
  }
}

async function spawnNodes(dataDirs: readonly string[], args: string[], urls: readonly string[], env: Record<string, string>): Promise<NodeProcess> {
  const [dataDir] = dataDirs as [string];
  // The node's JSON log lines go to <dataDir>/node.log (appended across restarts), for a failing test to read.
  const out = openSync(join(dataDir, 'node.log'), 'a');
  const child = spawn(process.execPath, [...nodeProcessFlags, bin, 'node', ...dataDirs.flatMap((dir) => ['--data', dir]), ...args], {
    env: { ...process.env, AIN_VERIFY_THREADS: '1', ...env },
    stdio: ['ignore', out, 'pipe'],
  });
  closeSync(out);
  // Its standard error goes on to the test's, and its last lines into the error of a failed start.
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = urls[0]!;
  const node: NodeProcess = {
    url,
    dataDir,
    child,
    exited,
    get: async (path) => (await (await bounded(url + path)).json()) as never,
    async post(path, body) {
      const response = await bounded(url + path, { method: 'POST', body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  const answers = (at: string) =>
    fetch(`${at}/v1/health`).then(
      (r) => r.ok,
      () => false,
    );
  // Bounded at 60 s: on 2 cores beside the network tests' nodes a start can take tens of seconds.
  for (let i = 0; i < 2400; i++) {
    if (child.exitCode !== null) {
      if (!child.stderr!.closed) await new Promise((resolve) => child.stderr!.once('close', resolve));
      throw new Error(`ain node exited with code ${child.exitCode} before answering; it said: ${stderr.trim() || '(nothing on stderr)'}`);
    }
    if ((await Promise.all(urls.map(answers))).every(Boolean)) return node;
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
