import test from 'ava';
import { createAccelerator, descendJs, multiplyJs, sampleRootJs, type Accelerator, type AcceleratorRequest } from '../../../runtime/gpu/index.ts';
import { isAinError } from '../../../schemas/index.ts';

/** A fixed pseudo-random sequence (mulberry32), so the inputs are the same every run. */
function numbers(count: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * scale;
  }
  return out;
}

function close(t: { true: (v: boolean, m?: string) => void }, actual: Float32Array, expected: Float32Array, tolerance: number): void {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  t.true(actual.length === expected.length && worst <= tolerance, `worst relative difference ${worst}`);
}

/** A symmetric positive definite n×n matrix: diagonal dominant. */
function spd(n: number): Float32Array {
  const r = numbers(n * n, 7);
  const a = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = i === j ? n : (r[i * n + j]! + r[j * n + i]!) / 4;
  return a;
}

for (const request of ['auto', 'cpu'] as AcceleratorRequest[]) {
  let acc: Accelerator;
  test.before(() => {
    acc = createAccelerator(request);
  });
  test.after.always(() => acc?.destroy());

  test.serial(`${request}: reports the mode it ran in`, (t) => {
    t.true(['gpu', 'webgl', 'headlessgl', 'wasm', 'cpu'].includes(acc.mode));
    if (request === 'cpu') t.is(acc.mode, 'cpu');
    t.log(`mode: ${acc.mode}`);
  });

  test.serial(`${request}: root finding by sampling picks the same guess as plain JavaScript`, (t) => {
    const guesses = numbers(10_000, 42, 10);
    for (const y of [2, 9, 50]) {
      const js = sampleRootJs(y, guesses);
      const kernel = acc.sampleRoot({ y, guesses });
      t.true(Math.abs(kernel.error - js.error) <= 1e-3 * Math.max(1, y), `y=${y}: ${kernel.error} vs ${js.error}`);
      t.true(Math.abs(kernel.x * kernel.x - y) <= js.error + 1e-3 * y, `y=${y}`);
      t.true(Math.abs(kernel.x - Math.sqrt(y)) < 0.01, `y=${y}: x=${kernel.x}`);
    }
  });

  test.serial(`${request}: gradient descent on a quadratic loss agrees with plain JavaScript and reaches the minimum`, (t) => {
    const n = 16;
    const a = spd(n);
    const b = numbers(n, 3, 4);
    const w0 = new Float32Array(n);
    const kernel = acc.descend({ a, b, w0, learningRate: 0.05, steps: 200 });
    close(t, kernel, descendJs(a, b, w0, 0.05, 200), 1e-4);
    // At the minimum the gradient Aw − b is ~0.
    const gradient = multiplyJs(a, kernel, n, n, 1).map((v, i) => v - b[i]!);
    t.true(Math.max(...gradient.map(Math.abs)) < 1e-3);
  });

  test.serial(`${request}: matrix product agrees with plain JavaScript (square and rectangular)`, (t) => {
    for (const [m, k, n] of [
      [64, 64, 64],
      [3, 5, 2],
      [1, 7, 1],
    ] as const) {
      const a = numbers(m * k, m, 2);
      const b = numbers(k * n, n + 100, 2);
      close(t, acc.multiply({ a, b, m, k, n }), multiplyJs(a, b, m, k, n), 1e-5);
    }
  });

  test.serial(`${request}: bad shapes are refused with BAD_SCHEMA`, (t) => {
    t.true(
      isAinError(
        t.throws(() => acc.multiply({ a: new Float32Array(4), b: new Float32Array(4), m: 2, k: 3, n: 2 })),
        'BAD_SCHEMA',
      ),
    );
    t.true(
      isAinError(
        t.throws(() => acc.multiply({ a: new Float32Array(1), b: new Float32Array(1), m: 1, k: 1, n: 0 })),
        'BAD_SCHEMA',
      ),
    );
    t.true(
      isAinError(
        t.throws(() => acc.sampleRoot({ y: 2, guesses: new Float32Array(0) })),
        'BAD_SCHEMA',
      ),
    );
    t.true(
      isAinError(
        t.throws(() => acc.descend({ a: new Float32Array(4), b: new Float32Array(2), w0: new Float32Array(2), learningRate: 0.1, steps: -1 })),
        'BAD_SCHEMA',
      ),
    );
  });
}
