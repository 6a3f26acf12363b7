// The GPU worker's program for the sample job kind (root finding by sampling): what its container
// (or child process) runs, bundled with gpu.js into one file (gpuProgramFiles). Reads a Request
// ({ "y": … }) on stdin, writes the WorkerReply ({ "x": … }) on stdout. Argument: the accelerator
// mode (auto by default).
import { randomFillSync } from 'node:crypto';
import { runKernelProgram } from './kernelProgram.ts';

const guessesPerRun = 1 << 16;

/** Random guesses in [0, top): the worker's "rand()", drawn outside the kernel so a run can be repeated. */
function guesses(top: number): Float32Array {
  const words = new Uint32Array(guessesPerRun);
  randomFillSync(words);
  return Float32Array.from(words, (w) => (w / 2 ** 32) * top);
}

runKernelProgram((request, accelerator) => {
  const y = (request as { y?: unknown } | null)?.y;
  if (typeof y !== 'number' || !Number.isFinite(y) || y < 0) throw new Error('the GPU worker runs the root-finding job kind: a request { "y": <number ≥ 0> }');
  return { x: accelerator.sampleRoot({ y, guesses: guesses(Math.max(1, y)) }).x };
}, process.argv[2]);
