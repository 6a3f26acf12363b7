import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { medianRate, ratePerSecond, type Figure } from './measure.ts';

const workerUrl = new URL('./rawVerifyWorker.js', import.meta.url);
const keysPerThread = 1000; // distinct keys, so no cache anywhere flatters the figure
const messageBytes = 500;
const runMs = 1000;

interface Done {
  readonly type: 'done';
  readonly count: number;
  readonly elapsedMs: number;
}

async function startWorkers(threads: number): Promise<Worker[]> {
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < threads; i++) {
      // execArgv []: no TypeScript loader in the thread, only node:crypto.
      const worker = new Worker(workerUrl, { workerData: { keys: keysPerThread, messageBytes }, execArgv: [] });
      workers.push(worker);
    }
    await Promise.all(workers.map((worker) => once(worker, 'message')));
    return workers;
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
}

/** Every worker verifies for `runMs` at the same time; their rates summed. */
async function summedRate(workers: readonly Worker[]): Promise<number> {
  const done = workers.map(async (worker) => (await once(worker, 'message'))[0] as Done);
  for (const worker of workers) worker.postMessage({ type: 'go', durationMs: runMs });
  const results = await Promise.all(done);
  return results.reduce((sum, run) => sum + ratePerSecond(run), 0);
}

async function measure(threads: number): Promise<{ rate: number; samples: number[] }> {
  const workers = await startWorkers(threads);
  try {
    return await medianRate({ runs: 3, warmupRuns: 1 }, () => summedRate(workers));
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Raw node:crypto Ed25519 verifies/s on every core at once, now (a reference for a ratio). */
export async function rawAllCoresRate(): Promise<number> {
  return (await measure(availableParallelism())).rate;
}

/** Raw node:crypto Ed25519 verifies/s: one thread alone, then one thread per core at once. */
export async function benchVerifyRaw(): Promise<Figure[]> {
  const threads = availableParallelism();
  const one = await measure(1);
  const all = await measure(threads);
  return [
    { name: 'verify.raw.1core', value: one.rate, unit: 'verifies/s', samples: one.samples, note: `${messageBytes}-byte messages, ${keysPerThread} keys` },
    { name: 'verify.raw.allcores', value: all.rate, unit: 'verifies/s', samples: all.samples, note: `${threads} worker threads at once, summed` },
  ];
}
