import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { appRootUrl } from '../config/index.ts';

/** The file a GPU worker's program is, in the job's directory. */
export const gpuProgramFile = 'gpu-worker.cjs';

/** The root-finding kernel's program (gpuProgram.ts), the GPU worker's default. */
export const rootKernelProgram = 'runtime/gpu/gpuProgram.ts';

const bundles = new Map<string, Promise<string>>();

/**
 * A GPU worker's program and gpu.js in one CommonJS file, so a container of the job image (this
 * machine's node and the job's files, no node_modules) runs the kernel: esbuild, already the web
 * app's bundler, builds it once per process (about 1 MB). `entry` is the program's TypeScript
 * source from the app's root (read directly, also when this module runs compiled from dist/).
 * gpu.js's optional native backends (`gl`, `webgpu`) stay out: where they are missing gpu.js falls
 * back to WebAssembly or the CPU, and the program says so.
 * @example runtime.run({ command: 'node', args: [gpuProgramFile], files: await gpuProgramFiles(), request: { y: 4 } })
 */
export async function gpuProgramFiles(entry: string = rootKernelProgram): Promise<Record<string, string>> {
  let bundled = bundles.get(entry);
  if (bundled === undefined) {
    bundled = build({
      entryPoints: [fileURLToPath(new URL(entry, appRootUrl))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      write: false,
      external: ['gl', 'webgpu'],
      // The kernels take only AinError of schemas/: the bundle resolves schemas/index.ts to it and
      // leaves out zod and every schema (about 0.5 MB, half of what a run parsed at its start).
      plugins: [
        {
          name: 'ain-errors-only',
          setup(bundler) {
            bundler.onResolve({ filter: /\/schemas\/index\.ts$/ }, () => ({ path: fileURLToPath(new URL('schemas/errors/ainError.ts', appRootUrl)) }));
          },
        },
      ],
      logLevel: 'silent',
    }).then((result) => result.outputFiles[0]!.text);
    bundles.set(entry, bundled);
  }
  try {
    return { [gpuProgramFile]: await bundled };
  } catch (error) {
    bundles.delete(entry);
    throw error;
  }
}
