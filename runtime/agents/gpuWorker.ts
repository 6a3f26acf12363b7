import type { WorkerOutput } from '../../actors/index.ts';
import type { ExecutionRuntime } from '../exec/index.ts';
import type { AcceleratorRequest } from '../gpu/index.ts';
import { gpuProgramFile, gpuProgramFiles, rootKernelProgram } from './gpuProgramFiles.ts';
import { startWorkerAgent, type JobAgent } from './jobAgents.ts';
import type { AgentEnvironment } from './nodeAgentEffects.ts';

/** Lines a GPU worker keeps on where its runs went: the latest. */
const notesMax = 100;

/** Where a GPU worker's runs went: one line per run (the latest `notesMax`), as its program said it on stderr. */
export interface GpuRunNotes {
  readonly notes: string[];
}

/**
 * The runtime of a GPU worker: `inner`'s runs, each asking for the machine's GPUs (the docker
 * runtime then adds device requests where the engine's host has one), with the line the program
 * says where its kernel ran kept in `notes`.
 */
function gpuExecution(inner: ExecutionRuntime, { notes }: GpuRunNotes): ExecutionRuntime {
  return {
    name: inner.name,
    run(spec, options) {
      const handle = inner.run({ ...spec, limits: { ...spec.limits, gpu: true } }, options);
      handle.events$.subscribe({
        next: (event) => {
          if (event.type !== 'progress' || event.message?.startsWith('gpu.js ') !== true) return;
          notes.push(event.message);
          if (notes.length > notesMax) notes.splice(0, notes.length - notesMax);
        },
        error: () => undefined,
      });
      return handle;
    },
    close: () => inner.close(),
  };
}

/** Which kernel program a GPU worker runs: the root-finding one by default. */
export interface GpuProgram {
  /** Its TypeScript source from the app's root (gpuProgramFiles bundles it with gpu.js). */
  readonly entry?: string;
  /** Its arguments after the file: the root kernel takes the accelerator mode (`auto`). */
  readonly args?: readonly string[];
}

/**
 * Where a GPU worker acts: `env` with the worker program replaced by a gpu.js kernel program
 * (runtime/gpu/gpuProgram.ts, or `program`) bundled with gpu.js into one file and run through
 * `env.execution` — on the docker runtime a container of the job image, with the GPUs of the
 * engine's host when it has some and on the CPU otherwise; on the process runtime a child
 * process. Never in the agent's own process. The job's schema and evaluator stay the job's.
 */
export async function gpuWorkerEnvironment(env: AgentEnvironment, notes: GpuRunNotes, program: GpuProgram = {}): Promise<AgentEnvironment> {
  const { worker } = env.programs;
  return {
    ...env,
    execution: gpuExecution(env.execution, notes),
    programs: {
      ...env.programs,
      files: await gpuProgramFiles(program.entry ?? rootKernelProgram),
      worker: { ...worker, command: 'node', args: [gpuProgramFile, ...(program.args ?? ['auto'])] },
    },
  };
}

/**
 * A GPU worker for the sample job kind (root finding by sampling): the same WorkerActor, its
 * program the gpu.js kernel (`gpuWorkerEnvironment`). Its result is the schema's reply (`{ x }`);
 * where the kernel ran — the runtime, and gpu.js's mode there — is in the run log its
 * `submitResult` names (`ain logs`), and in `notes`.
 */
export async function startGpuWorkerAgent(
  options: Parameters<typeof startWorkerAgent>[0] & { readonly accelerator?: AcceleratorRequest },
): Promise<JobAgent<WorkerOutput> & GpuRunNotes & { readonly runtime: string }> {
  const notes: GpuRunNotes = { notes: [] };
  const env = await gpuWorkerEnvironment(options.env, notes, { args: [options.accelerator ?? 'auto'] });
  const agent = startWorkerAgent({ ...options, env });
  return { ...agent, notes: notes.notes, runtime: env.execution.name };
}
