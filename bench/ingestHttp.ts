import { fork } from 'node:child_process';
import { once } from 'node:events';
import { pino } from 'pino';
import { loadConfig } from '../runtime/config/index.ts';
import { startNode } from '../runtime/node/index.ts';
import type { LoadgenMessage, LoadgenResult, LoadgenTask } from './loadgen.ts';
import { median, ratePerSecond, withTempDir, type Figure } from './measure.ts';
import { waitForQuiet } from './quiet.ts';
import { rawAllCoresRate, withNodeCryptoAlone } from './verifyRaw.ts';

const loadgenPath = new URL('./loadgen.ts', import.meta.url);
// Signing the bodies takes a few seconds on top of the timed part; past this the child is killed.
const preparationAllowanceMs = 60_000;

type Load = Omit<LoadgenTask, 'url'>;

// Warm-ups send every sender a few times, so both verify threads have the keys cached (a new
// sender costs more: see verify.tx.1core.newsender) and the figures are the steady state.
const single: Load = { mode: 'single', rounds: 3, txsPerRound: 2000, warmupTxs: 3000, batchTxs: 1, inFlight: 64, keys: 1000, timeLimitMs: 30_000 };
const batched: Load = { mode: 'batched', rounds: 3, txsPerRound: 20_000, warmupTxs: 5000, batchTxs: 500, inFlight: 16, keys: 1000, timeLimitMs: 30_000 };

interface Measured {
  readonly result: LoadgenResult;
  /** CPU this process (the node: main thread and verify threads) used during the timed load. */
  readonly nodeCpuMs: number;
}

/** Runs bench/loadgen.ts in a child process against `url` and waits for its one result. */
/** `seconds` of batched txs at `pace` a second to `url`: the load the latency benches (sse, ui) hold a node under. */
export function pacedLoad(url: string, pace: number, seconds: number): LoadgenTask {
  return {
    mode: 'batched',
    rounds: 1,
    txsPerRound: pace * seconds,
    warmupTxs: 1000,
    batchTxs: 500,
    inFlight: 4,
    keys: 1000,
    timeLimitMs: 60_000,
    paceTxsPerSecond: pace,
    url,
  };
}

export async function runLoadgen(task: LoadgenTask, onTimed?: () => void): Promise<Measured> {
  // Inherits this process's execArgv (--import=tsx, and --cpu-prof when profiling).
  const child = fork(loadgenPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const killTimer = setTimeout(() => child.kill(), task.timeLimitMs + preparationAllowanceMs);
  try {
    const outcome = new Promise<Measured>((resolve, reject) => {
      let cpuBefore: NodeJS.CpuUsage | undefined;
      child.on('message', (message: LoadgenMessage) => {
        if (message.type === 'timed') {
          cpuBefore = process.cpuUsage();
          onTimed?.();
        } else if (message.type === 'error') reject(new Error(`the load generator failed: ${message.message}`));
        else if (cpuBefore === undefined) reject(new Error('the load generator sent a result before its timed load'));
        else {
          const { user, system } = process.cpuUsage(cpuBefore);
          resolve({ result: message.result, nodeCpuMs: (user + system) / 1000 });
        }
      });
      child.once('exit', (code, signal) => reject(new Error(`the load generator exited (code ${String(code)}, signal ${String(signal)}) without a result`)));
    });
    child.send(task);
    return await outcome;
  } finally {
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    clearTimeout(killTimer);
  }
}

/** Starts a node on a fresh data dir and port 0, puts `load` on it, stops it. */
async function measure(load: Load): Promise<Measured & { rate: number; samples: number[] }> {
  return withTempDir('node', async (dataDir) => {
    const config = await loadConfig({ flags: { dataDir, port: 0 } });
    const node = await startNode({ config, logger: pino({ level: 'silent' }) });
    try {
      const measured = await runLoadgen({ ...load, url: node.url });
      const { result } = measured;
      if (result.failedRequests > 0 || result.refusedTxs > 0 || result.timedOut) {
        throw new Error(
          `ingest.http.${load.mode}: ${result.failedRequests} failed requests, ${result.refusedTxs} refused txs, timed out: ${result.timedOut}; ${result.problems.join(' | ')}`,
        );
      }
      // Every accepted tx is its own record (no duplicate hashes were sent): the log must hold them all.
      const { lastOffset } = (await (await fetch(`${node.url}/v1/status`)).json()) as { lastOffset: number };
      if (lastOffset + 1 < load.warmupTxs + result.acceptedTxs) {
        throw new Error(`ingest.http.${load.mode}: ${load.warmupTxs + result.acceptedTxs} txs accepted but the log holds ${lastOffset + 1} records`);
      }
      const samples = result.rounds.map((round) => ratePerSecond({ count: round.acceptedTxs, elapsedMs: round.elapsedMs }));
      return { ...measured, rate: median(samples), samples };
    } finally {
      await node.stop();
    }
  });
}

function describe(load: Load, { result, nodeCpuMs }: Measured): string {
  const shape = load.mode === 'single' ? `POST /v1/tx, ${load.inFlight} in flight` : `POST /v1/txs × ${load.batchTxs}, ${load.inFlight} in flight`;
  const perTxUs = (ms: number) => Math.round((ms * 1000) / result.acceptedTxs);
  return (
    `${shape}; ${result.rounds.length} rounds of ${load.txsPerRound} txs, all 202; ` +
    `CPU per tx: node ${perTxUs(nodeCpuMs)} µs, load generator ${perTxUs(result.cpuMs)} µs (signing ${Math.round(result.prepareMs)} ms untimed)`
  );
}

/**
 * Signed txs per second over loopback HTTP into a real node, counted when durable (202). The
 * batched load runs twice back to back, the second time with node:crypto alone in the verify threads.
 */
export async function benchIngestHttp(): Promise<Figure[]> {
  const one = await measure(single);
  // The batched figure against raw all-core verifies of the fastest verifier measured just before and just after it.
  await waitForQuiet();
  const rawBefore = await rawAllCoresRate();
  const many = await measure(batched);
  await waitForQuiet();
  const openssl = await withNodeCryptoAlone(() => measure(batched));
  await waitForQuiet();
  const rawAfter = await rawAllCoresRate();
  const reference = (rawBefore + rawAfter) / 2;
  return [
    {
      name: 'ingest.http.batched.ratio',
      value: many.rate / reference,
      unit: 'x',
      note: `ingest.http.batched / raw verifies of the fastest verifier on all cores measured around it (${Math.round(rawBefore)} before, ${Math.round(rawAfter)} after)`,
    },
    { name: 'ingest.http.single', value: one.rate, unit: 'txs/s', samples: one.samples, note: describe(single, one) },
    { name: 'ingest.http.batched', value: many.rate, unit: 'txs/s', samples: many.samples, note: describe(batched, many) },
    {
      name: 'ingest.http.batched.openssl',
      value: openssl.rate,
      unit: 'txs/s',
      samples: openssl.samples,
      note: `${describe(batched, openssl)}; node:crypto alone in the verify threads, right after ingest.http.batched`,
    },
    {
      name: 'ingest.http.batched.speedup',
      value: many.rate / openssl.rate,
      unit: 'x',
      note: 'ingest.http.batched / ingest.http.batched.openssl, back to back',
    },
  ];
}
