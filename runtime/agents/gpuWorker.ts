import { randomFillSync } from 'node:crypto';
import { fromPromise } from 'xstate';
import type { WorkerOutput } from '../../actors/index.ts';
import { AinError } from '../../schemas/index.ts';
import { createAccelerator, type Accelerator, type AcceleratorRequest } from '../gpu/index.ts';
import { startWorkerAgent, type JobAgent } from './jobAgents.ts';

const guessesPerRun = 1 << 16;

/** Random guesses in [0, top): the worker's "rand()", drawn outside the kernel so a run can be repeated. */
function guesses(top: number): Float32Array {
  const words = new Uint32Array(guessesPerRun);
  randomFillSync(words);
  return Float32Array.from(words, (w) => (w / 2 ** 32) * top);
}

/**
 * A GPU worker for the sample job kind (root finding by sampling): the same WorkerActor, but it
 * runs the gpu.js kernel on the best backend the machine has instead of the worker program, and
 * notes where each run went (`gpu`, or the CPU fallback `wasm`/`cpu`). The submitted result is the
 * schema's reply (`{ x }`), which has no field for the note.
 */
export function startGpuWorkerAgent(
  options: Parameters<typeof startWorkerAgent>[0] & { readonly accelerator?: AcceleratorRequest },
): JobAgent<WorkerOutput> & { readonly mode: string; readonly onGpu: boolean; readonly notes: readonly string[] } {
  const accelerator: Accelerator = createAccelerator(options.accelerator ?? 'auto');
  const onGpu = accelerator.mode === 'gpu' || accelerator.mode === 'webgl' || accelerator.mode === 'headlessgl';
  const notes: string[] = [];
  const note = onGpu ? `ran on the GPU (${accelerator.mode})` : `no GPU here: the kernel ran in gpu.js's ${accelerator.mode} mode on the CPU`;
  const run = fromPromise<unknown, { readonly program: 'worker' | 'evaluator'; readonly request: unknown }>(async ({ input }) => {
    const y = (input.request as { y?: unknown }).y;
    if (input.program !== 'worker' || typeof y !== 'number' || !Number.isFinite(y) || y < 0) {
      throw new AinError('BAD_JOB_REQUEST', 'The GPU worker runs the root-finding job kind: a request { "y": <number ≥ 0> }.');
    }
    const { x } = accelerator.sampleRoot({ y, guesses: guesses(Math.max(1, y)) });
    // The reply is the schema's WorkerReply ({ x }): the evaluator's program checks it strictly.
    // Where it ran goes in the agent's notes and in the run's log instead.
    notes.push(note);
    return { x };
  });
  const agent = startWorkerAgent({ ...options, run, runLog: { runtime: `gpu.js (${accelerator.mode})`, note } });
  return {
    ...agent,
    outputs: agent.outputs,
    mode: accelerator.mode,
    onGpu,
    notes,
    async stop() {
      await agent.stop();
      await accelerator.destroy();
    },
  };
}
