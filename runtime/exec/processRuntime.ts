import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RunSpec } from '../../schemas/index.ts';
import type { JobExit } from './decideResult.ts';
import type { ExecutionRuntime } from './executionRuntime.ts';
import { findProgram } from './findProgram.ts';
import { writeJobFiles } from './jobFiles.ts';
import { startRun, type LaunchContext } from './startRun.ts';

export interface ProcessRuntimeInit {
  /** Where each run's working directory is made (and removed after); the OS temp dir by default. */
  readonly tmpDir?: string;
  /** How often the job's memory and CPU time are read from /proc. */
  readonly sampleIntervalMs?: number;
  /** After the job exits, how long its stdout and stderr may stay open (held by stragglers) before they are cut. */
  readonly drainTimeoutMs?: number;
}

/** What an allocation failure looks like on stderr in the common runtimes (node, C, C++, Python, Go). */
const outOfMemory = /out of memory|Cannot allocate memory|allocation failed|MemoryError|bad_alloc|ENOMEM/i;
const clockTicksPerSecond = 100;
const pageBytes = 4096;

/**
 * The embedded default: each run is a child process in its own process group, with an empty
 * environment, a fresh working directory (removed after), its data segment limited with
 * `prlimit --data` (`ulimit -d` where prlimit is missing), and the whole group killed on timeout,
 * abort or too much output. CPU and pid limits are not enforced here; the docker runtime does.
 * @example const runtime = createProcessRuntime();
 */
export function createProcessRuntime(init: ProcessRuntimeInit = {}): ExecutionRuntime {
  const sampleIntervalMs = init.sampleIntervalMs ?? 100;
  const drainTimeoutMs = init.drainTimeoutMs ?? 1000;
  const prlimit = findProgram('prlimit', '/');
  const inFlight = new Set<Promise<unknown>>();

  const launch = async (context: LaunchContext): Promise<JobExit> => {
    const dir = await mkdtemp(join(init.tmpDir ?? tmpdir(), 'ain-run-'));
    try {
      await writeJobFiles(dir, context.spec);
      const program = findProgram(context.spec.command, dir);
      if (program === undefined) return { exitCode: null, signal: null, startError: `no program ${context.spec.command} on PATH` };
      if (context.stop.aborted) return { exitCode: null, signal: null };
      return await runChild(context, dir, limitedCommand(prlimit, context.spec, program), { sampleIntervalMs, drainTimeoutMs });
    } finally {
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    }
  };

  return {
    name: 'process',
    run(spec, options = {}) {
      const handle = startRun('process', spec, options, launch);
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

function limitedCommand(prlimit: string | undefined, spec: RunSpec, program: string): [string, string[]] {
  const { memoryBytes } = spec.limits;
  if (prlimit !== undefined) return [prlimit, [`--data=${memoryBytes}`, '--core=0', '--', program, ...spec.args]];
  const kib = Math.floor(memoryBytes / 1024);
  return ['/bin/sh', ['-c', `ulimit -d ${kib} && ulimit -c 0 && exec "$@"`, 'ain-job', program, ...spec.args]];
}

interface ChildOptions {
  readonly sampleIntervalMs: number;
  readonly drainTimeoutMs: number;
}

function runChild(context: LaunchContext, dir: string, [file, args]: [string, string[]], options: ChildOptions): Promise<JobExit> {
  const { output, stop } = context;
  return new Promise<JobExit>((resolve) => {
    context.started();
    // detached: a process group of its own, so one kill reaches everything the job started.
    const child = spawn(file, args, { cwd: dir, env: {}, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const pid = child.pid;
    const killGroup = (): void => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    };
    stop.addEventListener('abort', killGroup, { once: true });
    let cpuMs: number | undefined;
    let maxRssBytes: number | undefined;
    const sample = (): void => {
      if (pid === undefined) return;
      void readUsage(pid).then((usage) => {
        if (usage === undefined) return;
        cpuMs = usage.cpuMs;
        maxRssBytes = Math.max(maxRssBytes ?? 0, usage.rssBytes);
      });
    };
    const sampler = setInterval(sample, options.sampleIntervalMs);
    child.stdout.on('data', (chunk: Buffer) => output.stdout(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.stderr(chunk));
    child.stdin.on('error', () => undefined); // a job that never reads stdin closes it: EPIPE is fine
    child.stdin.end(context.stdin);

    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let startError: string | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearInterval(sampler);
      clearTimeout(drainTimer);
      stop.removeEventListener('abort', killGroup);
      const code = exit?.code ?? null;
      const signal = exit?.signal ?? null;
      const failed = startError === undefined && code !== 0;
      const memoryLimit = failed && (outOfMemory.test(output.stderrTail()) || (maxRssBytes ?? 0) >= context.spec.limits.memoryBytes * 0.9);
      resolve({
        exitCode: code,
        signal,
        ...(startError === undefined ? {} : { startError }),
        ...(memoryLimit ? { memoryLimit } : {}),
        ...(cpuMs === undefined ? {} : { cpuMs }),
        ...(maxRssBytes === undefined ? {} : { maxRssBytes }),
      });
    };
    child.once('error', (error) => {
      startError = error.message;
      context.exited();
      finish();
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      context.exited();
      // Whatever the job left running in its group goes with it.
      killGroup();
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, options.drainTimeoutMs);
    });
    child.once('close', () => {
      if (startError === undefined) finish();
    });
  });
}

/** CPU time and resident memory of one process from /proc (Linux); undefined elsewhere or once it is gone. */
async function readUsage(pid: number): Promise<{ cpuMs: number; rssBytes: number } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3, utime 14, stime 15, rss 24 (1-based, man proc).
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssPages = Number(fields[21]);
    if (!Number.isFinite(ticks) || !Number.isFinite(rssPages)) return undefined;
    return { cpuMs: (ticks * 1000) / clockTicksPerSecond, rssBytes: rssPages * pageBytes };
  } catch {
    return undefined;
  }
}
