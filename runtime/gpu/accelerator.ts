import { GPU, type IKernelRunShortcut } from 'gpu.js';
import { AinError } from '../../schemas/index.ts';
import { descentStepKernel, matrixProductKernel, squareErrorKernel } from './kernels.ts';

/** Where the kernels ran: a real GPU (WebGPU), WebGL (headless-gl or a browser's), WebAssembly or plain CPU. */
export type AcceleratorMode = 'gpu' | 'webgl' | 'headlessgl' | 'wasm' | 'cpu';

/** What to ask for: `auto` lets gpu.js take the best backend the machine has. */
export type AcceleratorRequest = 'auto' | AcceleratorMode;

export interface SampleRootParameters {
  /** The number whose square root is sought. */
  readonly y: number;
  /** The random guesses, drawn by the caller so runs are repeatable. */
  readonly guesses: Float32Array;
}

export interface DescendParameters {
  /** n×n, row-major, symmetric positive definite for the loss to have one minimum. */
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly w0: Float32Array;
  readonly learningRate: number;
  readonly steps: number;
}

export interface MultiplyParameters {
  /** m×k, row-major. */
  readonly a: Float32Array;
  /** k×n, row-major. */
  readonly b: Float32Array;
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

/** The built-in job kinds as kernels, in single precision, on whatever backend `mode` says. */
export interface Accelerator {
  readonly mode: AcceleratorMode;
  /** Root finding by sampling (the paper's sample job): the guess x with the least |x² − y|. */
  sampleRoot(parameters: SampleRootParameters): { x: number; error: number; index: number };
  /** `steps` of gradient descent on the quadratic loss ½wᵀAw − bᵀw. */
  descend(parameters: DescendParameters): Float32Array;
  /** The m×n matrix product, row-major. */
  multiply(parameters: MultiplyParameters): Float32Array;
  destroy(): Promise<void>;
}

const gpuModes: Record<AcceleratorMode, string> = { gpu: 'webgpu', webgl: 'webgl2', headlessgl: 'headlessgl', wasm: 'webasm', cpu: 'cpu' };
const fromGpuMode: Record<string, AcceleratorMode> = { webgpu: 'gpu', webgl: 'webgl', webgl2: 'webgl', headlessgl: 'headlessgl', webasm: 'wasm', cpu: 'cpu' };

/** Bounds on one call, so a job cannot ask for more than a worker means to give. */
export const acceleratorLimits = { elementsMax: 1 << 24, dimensionMax: 4096, stepsMax: 100_000, kernelsCachedMax: 16 } as const;

function bad(message: string): AinError {
  return new AinError('BAD_SCHEMA', message);
}

function checkDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > acceleratorLimits.dimensionMax) {
    throw bad(`${name} must be a whole number from 1 to ${acceleratorLimits.dimensionMax}, got ${value}.`);
  }
}

function checkLength(name: string, array: Float32Array, length: number): void {
  if (!(array instanceof Float32Array) || array.length !== length) throw bad(`${name} must be a Float32Array of ${length} numbers.`);
}

/**
 * The kernels on a gpu.js backend; `mode` says which one it really got.
 * @example const acc = createAccelerator(); acc.sampleRoot({ y: 2, guesses }).x // ≈ 1.414
 */
export function createAccelerator(request: AcceleratorRequest = 'auto'): Accelerator {
  let gpu: GPU;
  try {
    gpu = request === 'auto' ? new GPU() : new GPU({ mode: gpuModes[request] as 'gpu' });
  } catch (cause) {
    throw new AinError('BAD_CONFIG', `The ${request} backend is not available on this machine; use "auto" or "cpu".`, { cause });
  }
  const mode = fromGpuMode[gpu.mode] ?? 'cpu';
  const kernels = new Map<string, IKernelRunShortcut>();
  /** One compiled kernel per shape; the oldest is dropped past the cache's bound. */
  const kernel = (key: string, make: () => IKernelRunShortcut): IKernelRunShortcut => {
    const cached = kernels.get(key);
    if (cached !== undefined) return cached;
    if (kernels.size >= acceleratorLimits.kernelsCachedMax) {
      const [oldest, old] = kernels.entries().next().value as [string, IKernelRunShortcut];
      kernels.delete(oldest);
      old.destroy();
    }
    const made = make();
    kernels.set(key, made);
    return made;
  };

  return {
    mode,
    sampleRoot({ y, guesses }) {
      const n = guesses.length;
      if (!(guesses instanceof Float32Array) || n < 1 || n > acceleratorLimits.elementsMax) {
        throw bad(`guesses must be a Float32Array of 1 to ${acceleratorLimits.elementsMax} numbers.`);
      }
      if (!Number.isFinite(y)) throw bad('y must be a finite number.');
      const errors = kernel(`root:${n}`, () => gpu.createKernel(squareErrorKernel, { output: [n], tactic: 'precision' }))(guesses, y) as Float32Array;
      let index = 0;
      for (let i = 1; i < n; i++) if (errors[i]! < errors[index]!) index = i;
      return { x: guesses[index]!, error: errors[index]!, index };
    },
    descend({ a, b, w0, learningRate, steps }) {
      const n = b.length;
      checkDimension('n', n);
      checkLength('a', a, n * n);
      checkLength('w0', w0, n);
      if (!Number.isInteger(steps) || steps < 0 || steps > acceleratorLimits.stepsMax) throw bad(`steps must be 0 to ${acceleratorLimits.stepsMax}.`);
      if (!Number.isFinite(learningRate)) throw bad('learningRate must be a finite number.');
      const step = kernel(`descend:${n}`, () => gpu.createKernel(descentStepKernel, { output: [n], constants: { n }, tactic: 'precision' }));
      let w = w0;
      for (let s = 0; s < steps; s++) w = step(a, b, w, learningRate) as Float32Array;
      return Float32Array.from(w);
    },
    multiply({ a, b, m, k, n }) {
      checkDimension('m', m);
      checkDimension('k', k);
      checkDimension('n', n);
      checkLength('a', a, m * k);
      checkLength('b', b, k * n);
      const rows = kernel(`multiply:${m}x${k}x${n}`, () => gpu.createKernel(matrixProductKernel, { output: [n, m], constants: { k, n }, tactic: 'precision' }))(
        a,
        b,
      ) as Float32Array[];
      const out = new Float32Array(m * n);
      rows.forEach((row, i) => out.set(row, i * n));
      return out;
    },
    async destroy() {
      for (const made of kernels.values()) made.destroy();
      kernels.clear();
      await gpu.destroy();
    },
  };
}
