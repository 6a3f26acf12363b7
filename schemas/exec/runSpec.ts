import { z } from 'zod';
import { Uint } from '../primitives/index.ts';

const MiB = 1024 * 1024;

/** The defaults of every limit: what a run gets when its spec leaves a limit out. */
export const defaultRunLimits = {
  wallTimeMs: 30_000,
  memoryBytes: 512 * MiB,
  cpus: 1,
  pids: 64,
  outputBytesMax: 1 * MiB,
  gpu: false,
} as const;

/** What one run may use. Past a limit the job is killed and the result carries the limit's code. */
export const RunLimits = z.strictObject({
  /** From the job's start to its exit; past it: `RUN_TIMEOUT`. */
  wallTimeMs: Uint.min(1)
    .max(24 * 3_600_000)
    .default(defaultRunLimits.wallTimeMs),
  /** Memory of the job (docker: the container's cgroup; process: its data segment); past it: `RUN_MEMORY_LIMIT`. */
  memoryBytes: Uint.min(16 * MiB)
    .max(1024 * 1024 * MiB)
    .default(defaultRunLimits.memoryBytes),
  /** CPUs the job may use (docker: `NanoCpus`; the process runtime does not enforce it). */
  cpus: z.number().positive().max(1024).default(defaultRunLimits.cpus),
  /** Processes and threads (docker: `PidsLimit`; the process runtime does not enforce it). */
  pids: Uint.min(1).max(65_536).default(defaultRunLimits.pids),
  /** stdout and stderr bytes together; past it: `RUN_OUTPUT_LIMIT`. */
  outputBytesMax: Uint.min(1)
    .max(1024 * MiB)
    .default(defaultRunLimits.outputBytesMax),
  /** Ask for the machine's GPUs; granted only where a GPU exists. */
  gpu: z.boolean().default(defaultRunLimits.gpu),
});
export type RunLimits = z.infer<typeof RunLimits>;

/** A relative path inside the job's directory: no leading `/`, no `..`, no empty segments. */
export const JobFilePath = z
  .string()
  .max(255)
  .regex(/^(?!\.{1,2}(?:\/|$))[A-Za-z0-9._-]+(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._-]+)*$/, {
    message: 'must be a relative path of letters, digits, ".", "_" and "-" segments, with no ".." or "."',
  });

/** The job schema a run is checked against: proto3 text and the rpc whose messages go in and out. */
export const JobSchemaRef = z.strictObject({
  proto: z
    .string()
    .min(1)
    .max(256 * 1024),
  service: z.string().min(1).max(256),
  rpc: z.string().min(1).max(256),
});
export type JobSchemaRef = z.infer<typeof JobSchemaRef>;

/**
 * One run of a job: the program, its files, the request written to its stdin as JSON, and limits.
 * The program writes its reply as JSON on stdout; stderr lines are its log and progress.
 */
export const RunSpec = z.strictObject({
  /** docker: run in this image as it is instead of one assembled from this machine's node. */
  image: z.string().min(1).max(256).optional(),
  /** The program: an absolute path, or a name looked up on PATH (`node`). */
  command: z.string().min(1).max(4096),
  args: z
    .array(z.string().max(64 * 1024))
    .max(1024)
    .default([]),
  /** Files of the job by relative path (UTF-8 text), placed in its working directory. */
  files: z.record(JobFilePath, z.string().max(64 * MiB)).default({}),
  /** A directory of this machine whose files are copied into the job's working directory. */
  dir: z.string().startsWith('/').max(4096).optional(),
  /** The request message as JSON, written to stdin; nothing is written when absent. */
  request: z.unknown().optional(),
  limits: RunLimits.default(defaultRunLimits),
  schema: JobSchemaRef.optional(),
});
export type RunSpec = z.infer<typeof RunSpec>;
export type RunSpecInput = z.input<typeof RunSpec>;
