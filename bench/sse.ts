import { fork } from 'node:child_process';
import { pacedLoad, runLoadgen } from './ingestHttp.ts';
import { percentile, sustainedRate, withTempDir, type Figure } from './measure.ts';
import { startBenchNode } from './nodeFixtures.ts';
import { waitForQuiet } from './quiet.ts';

const subscribers = 1000;
const loadSeconds = 10;

/**
 * SSE fan-out: 1,000 subscribers (another process) follow `blocks` on a node taking txs at the
 * sustained ingest rate; the added latency is each event's arrival minus the moment the node
 * applied that block (both wall clocks of this machine).
 */
export async function benchSse(): Promise<Figure[]> {
  await waitForQuiet();
  const pace = Math.round(await sustainedRate());
  return withTempDir('sse', async (dataDir) => {
    const node = await startBenchNode(dataDir);
    const appliedAt = new Map<number, number>();
    const subscription = node.blocks$.subscribe((view) => appliedAt.set(view.header.height, Date.now()));
    const child = fork(new URL('./sseSubscribers.ts', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--import=tsx'] });
    try {
      const next = () =>
        new Promise<Record<string, unknown>>(
          (resolve, reject) => (child.once('message', (m) => resolve(m as Record<string, unknown>)), child.once('error', reject)),
        );
      const ready = next();
      child.send({ url: node.url, subscribers });
      await ready;
      const firstHeight = node.ledger.height + 1;
      const { result } = await runLoadgen(pacedLoad(node.url, pace, loadSeconds));
      if (result.failedRequests > 0) throw new Error(`sse: ${result.failedRequests} failed requests; ${result.problems.join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 2000)); // the last blocks reach everyone
      const report = next();
      child.send({ stop: true });
      const { received } = (await report) as { received: [number, number[]][] };
      const latencies: number[] = [];
      let blocks = 0;
      let missing = 0;
      for (const [height, times] of received) {
        const at = appliedAt.get(height);
        if (at === undefined || height < firstHeight) continue;
        blocks++;
        missing += subscribers - times.length;
        for (const time of times) latencies.push(time - at);
      }
      if (blocks === 0) throw new Error('sse: no block reached the subscribers');
      if (missing > 0) throw new Error(`sse: ${missing} block events never reached their subscriber`);
      const note = `${subscribers} subscribers of /v1/streams/blocks in another process, ${blocks} blocks under ${pace} txs/s (node.sustained) for ${loadSeconds} s; arrival − block applied`;
      return [
        { name: 'sse.p99.1000', value: percentile(latencies, 99), unit: 'ms', note },
        { name: 'sse.p50.1000', value: percentile(latencies, 50), unit: 'ms', note: `${latencies.length} deliveries` },
      ];
    } finally {
      subscription.unsubscribe();
      child.kill();
      await node.stop();
    }
  });
}
