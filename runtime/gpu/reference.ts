/** Plain JavaScript versions of the built-in job kinds: what the kernels must agree with. */

/** The guess whose square is closest to `y`, as the paper's sample job does it. */
export function sampleRootJs(y: number, guesses: Float32Array): { x: number; error: number; index: number } {
  let index = 0;
  let error = Infinity;
  for (let i = 0; i < guesses.length; i++) {
    const x = guesses[i]!;
    const e = Math.abs(x * x - y);
    if (e < error) {
      error = e;
      index = i;
    }
  }
  return { x: guesses[index] ?? NaN, error, index };
}

/** `steps` of gradient descent on ½wᵀAw − bᵀw (gradient Aw − b); `a` is n×n, row-major. */
export function descendJs(a: Float32Array, b: Float32Array, w0: Float32Array, learningRate: number, steps: number): Float32Array {
  const n = b.length;
  let w = Float64Array.from(w0);
  for (let s = 0; s < steps; s++) {
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let g = -b[i]!;
      for (let j = 0; j < n; j++) g += a[i * n + j]! * w[j]!;
      next[i] = w[i]! - learningRate * g;
    }
    w = next;
  }
  return Float32Array.from(w);
}

/** The m×n product of a (m×k) and b (k×n), all row-major. */
export function multiplyJs(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      for (let j = 0; j < n; j++) out[i * n + j]! += aip * b[p * n + j]!;
    }
  }
  return out;
}
