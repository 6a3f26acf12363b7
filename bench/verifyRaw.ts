import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { forceNodeCryptoEnv, signatureVerifier } from '../log/index.ts';
import { medianRate, ratePerSecond, type Figure } from './measure.ts';

const workerUrl = new URL('./rawVerifyWorker.js', import.meta.url);
const keysPerThread = 1000; // distinct keys, so no cache anywhere flatters the figure
const messageBytes = 500;
const runMs = 1000;

type Verifier = 'libsodium' | 'node:crypto';

/** The fastest verifier this machine has: libsodium, unless sodium-native did not load here. */
const fastest = (): Verifier => (signatureVerifier().sodiumNative === null ? 'node:crypto' : 'libsodium');

interface Done {
  readonly type: 'done';
  readonly count: number;
  readonly elapsedMs: number;
}

/**
 * A worker's next message; a worker that exits first fails it, naming its exit code, instead of
 * leaving the bench waiting for ever (the net bench hung twice in a raw verify, silently; whether
 * a worker had exited was not known).
 */
async function nextMessage(worker: Worker): Promise<unknown> {
  const abort = new AbortController();
  try {
    return await Promise.race([
      once(worker, 'message', { signal: abort.signal }).then(([message]) => message as unknown),
      once(worker, 'exit', { signal: abort.signal }).then(([code]) => {
        throw new Error(`a raw verify worker exited (code ${String(code)}) before it answered`);
      }),
    ]);
  } finally {
    abort.abort();
  }
}

async function startWorkers(threads: number, verifier: Verifier): Promise<Worker[]> {
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < threads; i++) {
      // execArgv []: no TypeScript loader in the thread, only the verify call.
      const worker = new Worker(workerUrl, { workerData: { keys: keysPerThread, messageBytes, verifier }, execArgv: [] });
      workers.push(worker);
    }
    await Promise.all(workers.map(nextMessage));
    return workers;
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
}

/** Every worker verifies for `runMs` at the same time; their rates summed. */
async function summedRate(workers: readonly Worker[]): Promise<number> {
  const done = workers.map(async (worker) => (await nextMessage(worker)) as Done);
  for (const worker of workers) worker.postMessage({ type: 'go', durationMs: runMs });
  const results = await Promise.all(done);
  return results.reduce((sum, run) => sum + ratePerSecond(run), 0);
}

async function measure(threads: number, verifier: Verifier): Promise<{ rate: number; samples: number[] }> {
  const workers = await startWorkers(threads, verifier);
  try {
    return await medianRate({ runs: 3, warmupRuns: 1 }, () => summedRate(workers));
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Raw Ed25519 verifies/s of the fastest verifier on every core at once, now: the reference for a ratio. */
export async function rawAllCoresRate(): Promise<number> {
  return (await measure(availableParallelism(), fastest())).rate;
}

/**
 * Raw Ed25519 verifies/s, one thread alone, then one thread per core at once: libsodium (the
 * `verify.raw` figures, the fastest this machine does) and node:crypto, and their ratio.
 */
export async function benchVerifyRaw(): Promise<Figure[]> {
  const threads = availableParallelism();
  const note = `${messageBytes}-byte messages, ${keysPerThread} keys`;
  const allNote = `${threads} worker threads at once, summed`;
  const sslOne = await measure(1, 'node:crypto');
  const sslAll = await measure(threads, 'node:crypto');
  const openssl: Figure[] = [
    {
      name: 'verify.raw.openssl.1core',
      value: sslOne.rate,
      unit: 'verifies/s',
      samples: sslOne.samples,
      note: `node:crypto (OpenSSL ${process.versions.openssl}), ${note}`,
    },
    { name: 'verify.raw.openssl.allcores', value: sslAll.rate, unit: 'verifies/s', samples: sslAll.samples, note: allNote },
  ];
  if (fastest() === 'node:crypto') {
    const why = `node:crypto: ${signatureVerifier().reason ?? 'sodium-native did not load'}`;
    return [
      { name: 'verify.raw.1core', value: sslOne.rate, unit: 'verifies/s', samples: sslOne.samples, note: why },
      { name: 'verify.raw.allcores', value: sslAll.rate, unit: 'verifies/s', samples: sslAll.samples, note: why },
      ...openssl,
    ];
  }
  const one = await measure(1, 'libsodium');
  const all = await measure(threads, 'libsodium');
  return [
    {
      name: 'verify.raw.1core',
      value: one.rate,
      unit: 'verifies/s',
      samples: one.samples,
      note: `libsodium (sodium-native ${signatureVerifier().sodiumNative}), ${note}`,
    },
    { name: 'verify.raw.allcores', value: all.rate, unit: 'verifies/s', samples: all.samples, note: allNote },
    ...openssl,
    { name: 'verify.raw.speedup', value: all.rate / sslAll.rate, unit: 'x', note: 'verify.raw.allcores / verify.raw.openssl.allcores, this run' },
  ];
}

/**
 * Runs `use` with node:crypto alone in every verify thread started meanwhile (a node's pool, an
 * audit's), for the A/B against libsodium; the environment is restored after.
 */
export async function withNodeCryptoAlone<T>(use: () => Promise<T>): Promise<T> {
  const before = process.env[forceNodeCryptoEnv];
  process.env[forceNodeCryptoEnv] = 'node:crypto';
  try {
    return await use();
  } finally {
    if (before === undefined) delete process.env[forceNodeCryptoEnv];
    else process.env[forceNodeCryptoEnv] = before;
  }
}
