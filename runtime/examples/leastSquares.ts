/** Least squares on a small synthetic data set: what the loss and data-parallel examples train. */

/** One data set: rows of features and their targets. */
export interface Dataset {
  readonly rows: readonly { readonly x: readonly number[]; readonly y: number }[];
}

/** A seeded generator of numbers in [0, 1) (mulberry32): the examples' data and starts are the same every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from text (FNV-1a): a worker's own start from its address. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** The weights the examples' data is drawn from. */
export const trueWeights = [1, -2, 0.5, 3] as const;

/**
 * `count` rows y = x·trueWeights + noise, features uniform in [-1.5, 1.5) (about unit
 * variance), noise uniform with standard deviation `noiseSd`; the same for the same seed.
 */
export function makeDataset(seed: number, count: number, noiseSd = 0.1): Dataset {
  const random = seededRandom(seed);
  const rows = Array.from({ length: count }, () => {
    const x = trueWeights.map(() => Math.round((random() * 3 - 1.5) * 1e4) / 1e4);
    const noise = (random() * 2 - 1) * noiseSd * Math.sqrt(3);
    const y = x.reduce((sum, xi, i) => sum + xi * trueWeights[i]!, 0) + noise;
    return { x, y: Math.round(y * 1e4) / 1e4 };
  });
  return { rows };
}

/** The mean squared error over two: ½·mean((x·w − y)²). */
export function lossOf(w: readonly number[], data: Dataset): number {
  let sum = 0;
  for (const { x, y } of data.rows) {
    const e = x.reduce((s, xi, i) => s + xi * (w[i] ?? 0), 0) - y;
    sum += e * e;
  }
  return sum / (2 * data.rows.length);
}

/** The loss as ½wᵀAw − bᵀw + c: A = XᵀX/m and b = Xᵀy/m (row-major), what the gpu.js descent kernel takes. */
export function normalEquations(data: Dataset): { a: Float32Array; b: Float32Array } {
  const n = data.rows[0]?.x.length ?? 0;
  const m = data.rows.length;
  const a = new Float32Array(n * n);
  const b = new Float32Array(n);
  for (const { x, y } of data.rows) {
    for (let i = 0; i < n; i++) {
      b[i]! += (x[i]! * y) / m;
      for (let j = 0; j < n; j++) a[i * n + j]! += (x[i]! * x[j]!) / m;
    }
  }
  return { a, b };
}

/** Random starting weights in [-5, 5), from `seed`. */
export function startingWeights(seed: number, n: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => random() * 10 - 5);
}
