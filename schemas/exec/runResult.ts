import { z } from 'zod';
import type { ErrorCode } from '../errors/index.ts';
import { Uint } from '../primitives/index.ts';

/** The codes a failed run's result may carry (listed with their HTTP status in errors/codes.ts). */
export const runErrorCodes = [
  'RUN_FAILED',
  'RUN_TIMEOUT',
  'RUN_ABORTED',
  'RUN_OUTPUT_LIMIT',
  'RUN_MEMORY_LIMIT',
  'BAD_REPLY',
  'BAD_JOB_REQUEST',
  'BAD_JOB_SCHEMA',
  'RUNTIME_UNAVAILABLE',
] as const satisfies readonly ErrorCode[];
export const RunErrorCode = z.enum(runErrorCodes);
export type RunErrorCode = z.infer<typeof RunErrorCode>;

/** What a run used. Fields a runtime cannot get cheaply are absent. */
export const RunUsage = z.strictObject({
  /** From the job's start to its exit. */
  wallMs: z.number().nonnegative(),
  /** User plus system CPU time of the job's main process (process runtime, sampled). */
  cpuMs: z.number().nonnegative().optional(),
  /** Peak resident memory of the job's main process (process runtime, sampled). */
  maxRssBytes: Uint.optional(),
});
export type RunUsage = z.infer<typeof RunUsage>;

/** The outcome of one run. A failed run is a result with a `code`, never an exception. */
export const RunResult = z.strictObject({
  ok: z.boolean(),
  /** Set exactly when `ok` is false. */
  code: RunErrorCode.optional(),
  /** A sentence for a person, set exactly when `ok` is false. */
  message: z.string().optional(),
  /** The job's exit code; null when it never started or was killed by a signal. */
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** The reply parsed from stdout (and checked against the job schema when one was given). */
  reply: z.unknown().optional(),
  stdoutBytes: Uint,
  /** The last lines of stderr, at most a few KiB. */
  stderrTail: z.string(),
  usage: RunUsage,
});
export type RunResult = z.infer<typeof RunResult>;

/** What a run streams while it runs: stderr lines as log, and progress the job reports. */
export const RunEvent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('started'), runtime: z.string() }),
  z.strictObject({ type: z.literal('log'), stream: z.literal('stderr'), line: z.string() }),
  z.strictObject({ type: z.literal('progress'), fraction: z.number().min(0).max(1), message: z.string().optional() }),
]);
export type RunEvent = z.infer<typeof RunEvent>;
