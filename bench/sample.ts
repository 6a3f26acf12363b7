import { join } from 'node:path';
import type { JobEvent } from '../projections/index.ts';
import { runSampleSession } from '../runtime/agents/index.ts';
import { createProcessRuntime } from '../runtime/exec/index.ts';
import { withTempDir, type Figure } from './measure.ts';
import { startBenchNode } from './nodeFixtures.ts';
import { waitForQuiet } from './quiet.ts';

const timeLimitMs = 3000;

/**
 * The papers' sample job end to end by agents on one node (the process runtime): from the block
 * holding requestJob to the block that settles it, in block time and in blocks, and how many
 * blocks it took after the time limit passed (the target: within 6 block intervals).
 */
export async function benchSample(): Promise<Figure[]> {
  await waitForQuiet();
  return withTempDir('sample', async (dataDir) => {
    const node = await startBenchNode(dataDir);
    const execution = createProcessRuntime();
    try {
      const result = await runSampleSession({ nodeUrl: node.url, fund: (op) => node.submit(op), dataDir: join(dataDir, 'agents'), execution, timeLimitMs });
      if (result.state !== 'settled') throw new Error(`sample: the request ended ${result.state}`);
      const requested = node.blocks.findTx(result.request)!;
      let settled: { height: number; time: number } | undefined;
      let accepted: number | undefined;
      for (let h = requested.height; h <= node.ledger.height && settled === undefined; h++) {
        const view = node.blocks.get(h)!;
        for (const e of view.jobEvents as JobEvent[]) {
          if (!('request' in e) || e.request !== result.request) continue;
          if (e.type === 'accepted' && e.role === 'evaluator') accepted = e.time;
          if (e.type === 'settled') settled = { height: h, time: e.time };
        }
      }
      if (settled === undefined || accepted === undefined) throw new Error('sample: no settlement found in the node’s blocks');
      const requestTime = node.blocks.get(requested.height)!.header.time;
      const limitAt = accepted + timeLimitMs;
      let afterLimit = 0;
      for (let h = requested.height; h <= settled.height; h++) if (node.blocks.get(h)!.header.time >= limitAt) afterLimit++;
      const intervalMs = 1000;
      const note = `${result.participants} workers, time_limit ${timeLimitMs} ms from the evaluator's accept, block interval ${intervalMs} ms; block time`;
      return [
        { name: 'sample.ms', value: settled.time - requestTime, unit: 'ms', note },
        { name: 'sample.blocks', value: settled.height - requested.height, unit: 'blocks', note: 'from the requestJob block to the settling block' },
        {
          name: 'sample.afterLimit.blocks',
          value: afterLimit,
          unit: 'blocks',
          note: `blocks from the first at or past the limit to the settling one (target ≤ 6 block intervals; ${settled.time - limitAt} ms after the limit)`,
        },
      ];
    } finally {
      await execution.close();
      await node.stop();
    }
  });
}
