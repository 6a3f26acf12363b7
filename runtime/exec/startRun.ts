import { Subject } from 'rxjs';

import { isAinError, parseOrThrow, RunSpec, type RunErrorCode, type RunEvent, type RunResult, type RunSpecInput } from '../../schemas/index.ts';
import { decideResult, type JobExit, type StopReason } from './decideResult.ts';
import type { RunHandle, RunOptions } from './executionRuntime.ts';
import { compileJobRpc, type JobRpc } from './jobSchema.ts';
import { createRunOutput, type RunOutput } from './runOutput.ts';

/** What a runtime's `launch` gets: the checked spec, stdin bytes, the output sink and a stop signal. */
export interface LaunchContext {
  readonly spec: RunSpec;
  /** The request as JSON text, or undefined when the spec has none (stdin is then closed empty). */
  readonly stdin: Buffer | undefined;
  readonly output: RunOutput;
  /** Fires when the job must be killed: timeout, abort or output limit. */
  readonly stop: AbortSignal;
  /** Call when the job's program is about to start: the wall-time clock starts here. */
  started(): void;
  /** Call when the job's program has exited, before cleaning up: the wall-time clock stops here. */
  exited(): void;
}

/**
 * Starts the job and resolves once it has ended and everything it left is cleaned up.
 * Throw `RUNTIME_UNAVAILABLE` (AinError) when the runtime cannot run jobs at all.
 */
export type Launch = (context: LaunchContext) => Promise<JobExit>;

/**
 * The part every runtime shares: checks the spec, the schema and the request, runs the clock,
 * the abort and the output limit, and decides the result from what `launch` reports.
 */
export function startRun(runtime: string, input: RunSpecInput, options: RunOptions, launch: Launch): RunHandle {
  const spec = parseOrThrow(RunSpec, input, 'run spec');
  const events = new Subject<RunEvent>();
  const result = runOnce(runtime, spec, options.signal, launch, (event) => events.next(event)).finally(() => events.complete());
  return { events$: events.asObservable(), result };
}

async function runOnce(runtime: string, spec: RunSpec, signal: AbortSignal | undefined, launch: Launch, emit: (event: RunEvent) => void): Promise<RunResult> {
  const early = (code: RunErrorCode, message: string): RunResult => ({
    ok: false,
    code,
    message,
    exitCode: null,
    signal: null,
    stdoutBytes: 0,
    stderrTail: '',
    usage: { wallMs: 0 },
  });
  let rpc: JobRpc | undefined;
  if (spec.schema !== undefined) {
    try {
      rpc = compileJobRpc(spec.schema);
    } catch (error) {
      if (isAinError(error, 'BAD_JOB_SCHEMA')) return early('BAD_JOB_SCHEMA', error.message);
      throw error;
    }
    const problem = rpc.checkRequest(spec.request ?? {});
    if (problem !== undefined)
      return early('BAD_JOB_REQUEST', `The request does not match ${rpc.requestType.name}, the request of ${rpc.service}.${rpc.rpc}: ${problem}.`);
  }
  if (signal?.aborted === true) return early('RUN_ABORTED', 'The run was cancelled before the job started.');

  const stop = new AbortController();
  let stopReason: StopReason | undefined;
  const kill = (reason: StopReason): void => {
    stopReason ??= reason;
    stop.abort();
  };
  const onAbort = (): void => kill('abort');
  signal?.addEventListener('abort', onAbort, { once: true });
  const output = createRunOutput({ outputBytesMax: spec.limits.outputBytesMax, onEvent: emit, onLimit: () => kill('output') });
  let timer: NodeJS.Timeout | undefined;
  let startedMs: number | undefined;
  let exitedMs: number | undefined;
  const stdin = spec.request === undefined ? undefined : Buffer.from(JSON.stringify(spec.request), 'utf8');
  try {
    const exit = await launch({
      spec,
      stdin,
      output,
      stop: stop.signal,
      started() {
        if (startedMs !== undefined) return;
        startedMs = performance.now();
        timer = setTimeout(() => kill('timeout'), spec.limits.wallTimeMs);
        emit({ type: 'started', runtime });
      },
      exited() {
        exitedMs ??= performance.now();
        clearTimeout(timer);
      },
    });
    output.end();
    const wallMs = startedMs === undefined ? 0 : (exitedMs ?? performance.now()) - startedMs;
    return decideResult({ exit, stopReason, output, wallMs, limits: spec.limits, rpc });
  } catch (error) {
    if (isAinError(error, 'RUNTIME_UNAVAILABLE')) return early('RUNTIME_UNAVAILABLE', error.message);
    if (stopReason === 'abort') return early('RUN_ABORTED', 'The run was cancelled before the job started.');
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
