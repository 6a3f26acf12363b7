import { createAccelerator, multiplyJs, sampleRootJs, type AcceleratorRequest } from '../runtime/gpu/index.ts';
import { median, type Figure } from './measure.ts';

const guessesCount = 1 << 20;
const size = 256;
const warmupRuns = 2;
const runs = 5;

function randomFloats(count: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.random() * scale;
  return out;
}

/** Median time of `run` in µs, after warm-up runs (the first kernel call compiles it). */
function microseconds(run: () => unknown): { value: number; samples: number[] } {
  for (let i = 0; i < warmupRuns; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const startMs = performance.now();
    run();
    samples.push((performance.now() - startMs) * 1000);
  }
  return { value: median(samples), samples };
}

async function pair(request: AcceleratorRequest, suffix: string): Promise<Figure[]> {
  const acc = createAccelerator(request);
  try {
    const guesses = randomFloats(guessesCount, 10);
    const a = randomFloats(size * size, 1);
    const b = randomFloats(size * size, 1);
    const rootKernel = microseconds(() => acc.sampleRoot({ y: 2, guesses }));
    const rootJs = microseconds(() => sampleRootJs(2, guesses));
    const matKernel = microseconds(() => acc.multiply({ a, b, m: size, k: size, n: size }));
    const matJs = microseconds(() => multiplyJs(a, b, size, size, size));
    const how = `gpu.js in ${acc.mode} mode`;
    return [
      {
        name: `gpujs.root.kernel${suffix}`,
        value: rootKernel.value,
        unit: 'µs',
        samples: rootKernel.samples,
        note: `${how}: |x²−2| over ${guessesCount.toLocaleString('en-US')} guesses, then the least on the host`,
      },
      { name: `gpujs.root.js${suffix}`, value: rootJs.value, unit: 'µs', samples: rootJs.samples, note: 'plain JavaScript loop, same guesses' },
      {
        name: `gpujs.vs.js.root${suffix}`,
        value: rootJs.value / rootKernel.value,
        unit: 'x',
        note: `speed-up of the kernel (${acc.mode}) over plain JavaScript; < 1 is slower`,
      },
      { name: `gpujs.matmul.kernel${suffix}`, value: matKernel.value, unit: 'µs', samples: matKernel.samples, note: `${how}: ${size}×${size} matrix product` },
      { name: `gpujs.matmul.js${suffix}`, value: matJs.value, unit: 'µs', samples: matJs.samples, note: 'plain JavaScript triple loop (i-k-j order)' },
      {
        name: `gpujs.vs.js.matmul${suffix}`,
        value: matJs.value / matKernel.value,
        unit: 'x',
        note: `speed-up of the kernel (${acc.mode}) over plain JavaScript; < 1 is slower`,
      },
    ];
  } finally {
    await acc.destroy();
  }
}

/** gpu.js kernels vs plain JavaScript: in the best mode this machine has, and forced onto the CPU. */
export async function benchGpu(): Promise<Figure[]> {
  return [...(await pair('auto', '')), ...(await pair('cpu', '.cpu'))];
}
