import type { IKernelFunctionThis } from 'gpu.js';

// gpu.js compiles these from their source text (our code, never a user's): keep each body
// free of inner functions and closures, and use only arguments, constants and Math.

/** |x² − y| for each guess x. */
export function squareErrorKernel(this: IKernelFunctionThis, guesses: number[], y: number): number {
  const x = guesses[this.thread.x]!;
  return Math.abs(x * x - y);
}

/** One gradient-descent step on ½wᵀAw − bᵀw: w − lr·(Aw − b), for row `thread.x`. */
export function descentStepKernel(this: IKernelFunctionThis<{ n: number }>, a: number[], b: number[], w: number[], learningRate: number): number {
  const i = this.thread.x;
  let g = -b[i]!;
  for (let j = 0; j < this.constants.n; j++) {
    g += a[i * this.constants.n + j]! * w[j]!;
  }
  return w[i]! - learningRate * g;
}

/** Element (thread.y, thread.x) of a (m×k) times b (k×n), both row-major. */
export function matrixProductKernel(this: IKernelFunctionThis<{ k: number; n: number }>, a: number[], b: number[]): number {
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += a[this.thread.y * this.constants.k + p]! * b[p * this.constants.n + this.thread.x]!;
  }
  return sum;
}
