import { availableParallelism } from 'node:os';
import { signatureVerifier } from '../log/index.ts';
import { auditDataDir } from '../runtime/audit/index.ts';
import { runLoadgen } from './ingestHttp.ts';
import type { LoadgenTask } from './loadgen.ts';
import { percentile, withTempDir, type Figure } from './measure.ts';
import { finalCovering, startBenchNode } from './nodeFixtures.ts';
import { waitForQuiet } from './quiet.ts';
import { rawAllCoresRate, withNodeCryptoAlone } from './verifyRaw.ts';

type Load = Omit<LoadgenTask, 'url'>;

/** The sustained load, the same for a node on the file log and on Kafka (bench/kafka.ts). */
export const sustainedLoad: Load = {
  mode: 'batched',
  rounds: 6,
  txsPerRound: 20_000,
  warmupTxs: 20_000,
  batchTxs: 500,
  inFlight: 16,
  keys: 1000,
  timeLimitMs: 60_000,
};
const halfLoadSeconds = 10;
const latencyBatchTxs = 50;

interface Sustained {
  readonly rate: number;
  readonly accepted: number;
  readonly elapsedMs: number;
  /** CPU of this process (the node's main and verify threads) per accepted tx, while the load ran. */
  readonly cpuPerTxUs: number;
  readonly audit: { readonly rate: number; readonly txs: number; readonly ok: boolean; readonly elapsedMs: number };
}

/** The sustained load on a fresh node, to final; then an audit of its log on every core. */
async function sustainedRun(): Promise<Sustained> {
  return withTempDir('node-sustained', async (dataDir) => {
    const node = await startBenchNode(dataDir);
    try {
      let startedMs = 0;
      const measured = await runLoadgen({ ...sustainedLoad, url: node.url }, () => (startedMs = performance.now()));
      const { result } = measured;
      if (result.failedRequests > 0 || result.refusedTxs > 0)
        throw new Error(`node.sustained: ${result.failedRequests} failed requests, ${result.refusedTxs} refused; ${result.problems.join(' | ')}`);
      const lastOffset = node.blocks.latest() === undefined ? 0 : ((await (await fetch(`${node.url}/v1/status`)).json()) as { lastOffset: number }).lastOffset;
      await finalCovering(node, lastOffset);
      const elapsedMs = performance.now() - startedMs;
      const applied = node.ledger.tree.get('/bench/0');
      if (applied === null) throw new Error('node.sustained: the txs were not applied');
      await node.stop();
      await waitForQuiet();
      const auditStart = performance.now();
      const report = await auditDataDir({ dataDir, threads: availableParallelism() });
      const auditMs = performance.now() - auditStart;
      const audit = { rate: (report.records * 1000) / auditMs, txs: report.records, ok: report.ok, elapsedMs: auditMs };
      const cpuPerTxUs = (measured.nodeCpuMs * 1000) / result.acceptedTxs;
      return { rate: (result.acceptedTxs * 1000) / elapsedMs, accepted: result.acceptedTxs, elapsedMs, cpuPerTxUs, audit };
    } finally {
      await node.stop().catch(() => undefined);
    }
  });
}

/**
 * End to end on one node: batched submissions over loopback → durable → block → applied → final.
 * The sustained rate counts from the first timed submission to the moment the block holding the
 * last one is final, then an audit replays the node's log on every core: first with the node's
 * verifier, then back to back with node:crypto alone in the verify threads. Then, on a fresh node
 * at half the sustained rate, each batch's submit-to-final time.
 */
export async function benchNode(): Promise<Figure[]> {
  await waitForQuiet();
  const rawBefore = await rawAllCoresRate();
  const sustained = await sustainedRun();
  await waitForQuiet();
  const openssl = await withNodeCryptoAlone(sustainedRun);
  await waitForQuiet();
  const rawAfter = await rawAllCoresRate();
  const reference = (rawBefore + rawAfter) / 2;

  const pace = Math.round(sustained.rate / 2);
  const latencies = await withTempDir('node-latency', async (dataDir) => {
    const node = await startBenchNode(dataDir);
    const finalAtMs = new Map<number, number>();
    const blockOf: { height: number; lastOffset: number }[] = [];
    let finalSeen = 0;
    const subscription = node.blocks$.subscribe((view) => {
      blockOf.push({ height: view.header.height, lastOffset: view.header.lastOffset });
      for (let h = finalSeen + 1; h <= view.finalized.height; h++) finalAtMs.set(h, Date.now());
      finalSeen = Math.max(finalSeen, view.finalized.height);
    });
    try {
      const txsPerRound = pace * halfLoadSeconds;
      const { result } = await runLoadgen({
        ...sustainedLoad,
        rounds: 1,
        warmupTxs: 2000,
        txsPerRound,
        batchTxs: latencyBatchTxs,
        inFlight: 64,
        paceTxsPerSecond: pace,
        url: node.url,
      });
      if (result.failedRequests > 0) throw new Error(`node.final: ${result.failedRequests} failed requests; ${result.problems.join(' | ')}`);
      const paced = result.paced ?? [];
      await finalCovering(node, Math.max(...paced.map((b) => b.lastOffset)), { nudge: false });
      const samples = paced.map((batch) => {
        const block = blockOf.find((b) => b.lastOffset >= batch.lastOffset)!;
        return finalAtMs.get(block.height)! - batch.sentAtMs;
      });
      return { samples, blocks: blockOf.length };
    } finally {
      subscription.unsubscribe();
      await node.stop();
    }
  });
  const intervalMs = 1000;
  const describeSustained = (run: Sustained) =>
    `${run.accepted} txs in POST /v1/txs × ${sustainedLoad.batchTxs}, ${sustainedLoad.inFlight} in flight, submit → final, ${Math.round(run.elapsedMs)} ms, node CPU ${Math.round(run.cpuPerTxUs)} µs per tx`;
  const describeAudit = (run: Sustained) =>
    `${run.audit.txs} records replayed and re-verified on ${availableParallelism()} threads in ${Math.round(run.audit.elapsedMs)} ms; report ok: ${run.audit.ok}`;
  return [
    { name: 'node.sustained', value: sustained.rate, unit: 'txs/s', note: `${describeSustained(sustained)}; verifier ${signatureVerifier().name}` },
    {
      name: 'node.sustained.ratio',
      value: sustained.rate / reference,
      unit: 'x',
      note: `node.sustained / raw verifies of the fastest verifier on all cores around it (${Math.round(rawBefore)} before, ${Math.round(rawAfter)} after)`,
    },
    {
      name: 'node.sustained.openssl',
      value: openssl.rate,
      unit: 'txs/s',
      note: `${describeSustained(openssl)}; node:crypto alone in the verify threads, right after node.sustained`,
    },
    { name: 'node.sustained.speedup', value: sustained.rate / openssl.rate, unit: 'x', note: 'node.sustained / node.sustained.openssl, back to back' },
    {
      name: 'node.final.p50',
      value: percentile(latencies.samples, 50),
      unit: 'ms',
      note: `${latencies.samples.length} batches of ${latencyBatchTxs} at ${pace} txs/s (half of node.sustained), block interval ${intervalMs} ms, ${latencies.blocks} blocks`,
    },
    { name: 'node.final.p99', value: percentile(latencies.samples, 99), unit: 'ms', note: `target ≤ 2 block intervals + 50 ms = ${2 * intervalMs + 50} ms` },
    { name: 'audit.replay', value: sustained.audit.rate, unit: 'txs/s', note: describeAudit(sustained) },
    {
      name: 'audit.replay.ratio',
      value: sustained.audit.rate / reference,
      unit: 'x',
      note: 'audit.replay / raw verifies of the fastest verifier on all cores',
    },
    { name: 'audit.replay.openssl', value: openssl.audit.rate, unit: 'txs/s', note: `${describeAudit(openssl)}; node:crypto alone` },
    { name: 'audit.replay.speedup', value: sustained.audit.rate / openssl.audit.rate, unit: 'x', note: 'audit.replay / audit.replay.openssl, back to back' },
  ];
}
