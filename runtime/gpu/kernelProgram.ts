import { createAccelerator, type Accelerator, type AcceleratorRequest } from './accelerator.ts';

const requests: readonly string[] = ['auto', 'gpu', 'webgl', 'headlessgl', 'wasm', 'cpu'];

/** Ends a kernel program with a sentence on stderr and exit code 2 (the run's RUN_FAILED). */
export function failProgram(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/**
 * The body of a GPU worker's program (bundled with gpu.js by gpuProgramFiles): reads the request
 * as JSON on stdin, runs `kernel` on an accelerator of `mode` (the best backend where it runs by
 * default), writes its reply as JSON on stdout, and says on stderr, as a progress line the run's
 * log keeps, where gpu.js ran the kernel. `kernel` throws (or calls failProgram) on a request it
 * does not take.
 * @example runKernelProgram((request, accelerator) => ({ x: accelerator.sampleRoot({ y, guesses }).x }))
 */
export function runKernelProgram(kernel: (request: unknown, accelerator: Accelerator) => unknown, mode = 'auto'): void {
  if (!requests.includes(mode)) failProgram(`the accelerator mode ${mode} is not one of ${requests.join(', ')}`);
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => (text += chunk));
  process.stdin.on('end', () => {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      failProgram('the request on stdin is not JSON');
    }
    let accelerator: Accelerator;
    let reply: unknown;
    try {
      accelerator = createAccelerator(mode as AcceleratorRequest);
      reply = kernel(request, accelerator);
    } catch (error) {
      failProgram(error instanceof Error ? error.message : String(error));
    }
    const onGpu = accelerator.mode === 'gpu' || accelerator.mode === 'webgl' || accelerator.mode === 'headlessgl';
    const where = onGpu
      ? `gpu.js ran the kernel on the GPU (${accelerator.mode})`
      : `gpu.js ran the kernel in its ${accelerator.mode} mode on the CPU: no GPU where it ran`;
    process.stderr.write(`${JSON.stringify({ progress: 1, message: where })}\n`);
    process.stdout.write(JSON.stringify(reply));
    void accelerator.destroy();
  });
}
