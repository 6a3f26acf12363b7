import type { RunErrorCode, RunLimits, RunResult } from '../../schemas/index.ts';
import type { JobRpc } from './jobSchema.ts';
import type { RunOutput } from './runOutput.ts';

/** How a job ended, as its runtime saw it. */
export interface JobExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The runtime knows the job hit its memory limit (docker: `OOMKilled`; process: an allocation failure). */
  readonly memoryLimit?: boolean;
  /** The program could not be started at all (e.g. not found); a sentence. */
  readonly startError?: string;
  readonly cpuMs?: number;
  readonly maxRssBytes?: number;
}

/** Why the runner killed the job, when it did. */
export type StopReason = 'timeout' | 'abort' | 'output';

export interface DecideInput {
  readonly exit: JobExit;
  readonly stopReason: StopReason | undefined;
  readonly output: RunOutput;
  readonly wallMs: number;
  readonly limits: RunLimits;
  readonly rpc: JobRpc | undefined;
}

/**
 * The result of a finished run. The runner's own reasons (abort, timeout, output) come first, as
 * they explain the kill; then memory, the exit code, and last the reply on stdout and its schema.
 */
export function decideResult({ exit, stopReason, output, wallMs, limits, rpc }: DecideInput): RunResult {
  const usage = {
    wallMs,
    ...(exit.cpuMs === undefined ? {} : { cpuMs: exit.cpuMs }),
    ...(exit.maxRssBytes === undefined ? {} : { maxRssBytes: exit.maxRssBytes }),
  };
  const base = { exitCode: exit.exitCode, signal: exit.signal, stdoutBytes: output.stdoutBytes(), stderrTail: output.stderrTail(), usage };
  const fail = (code: RunErrorCode, message: string): RunResult => ({ ok: false, code, message, ...base });

  if (stopReason === 'abort') return fail('RUN_ABORTED', 'The run was cancelled; the job was killed.');
  if (stopReason === 'timeout') return fail('RUN_TIMEOUT', `The job ran past its wall-time limit of ${limits.wallTimeMs} ms and was killed.`);
  if (stopReason === 'output' || output.overLimit()) {
    return fail('RUN_OUTPUT_LIMIT', `The job wrote more than its output limit of ${limits.outputBytesMax} bytes (stdout and stderr) and was killed.`);
  }
  if (exit.startError !== undefined) return fail('RUN_FAILED', `The job could not start: ${exit.startError}.`);
  if (exit.memoryLimit === true) {
    return fail('RUN_MEMORY_LIMIT', `The job needed more than its memory limit of ${limits.memoryBytes} bytes and was killed.`);
  }
  if (exit.exitCode !== 0) {
    const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
    return fail('RUN_FAILED', `The job ${how}; see its stderr tail.`);
  }

  const text = output.stdoutText();
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    return fail('BAD_REPLY', `The job's stdout is not one JSON value: ${JSON.stringify(shown)}.`);
  }
  const problem = rpc?.checkReply(reply);
  if (problem !== undefined) {
    return { ...fail('BAD_REPLY', `The reply does not match ${rpc!.replyType.name}, the reply of ${rpc!.service}.${rpc!.rpc}: ${problem}.`), reply };
  }
  return { ok: true, reply, ...base };
}
