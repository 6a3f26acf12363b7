import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AinNode } from '../runtime/node/index.ts';
import { writeChainFixture } from './chainFixture.ts';
import { withTempDir, type Figure } from './measure.ts';
import { startBenchNode } from './nodeFixtures.ts';
import { waitForQuiet } from './quiet.ts';

const txCount = 1_000_000;
const maxTxs = 10_000;

/** Starts a node on `dataDir` and waits (bounded) until it has applied `height` blocks. */
async function timeToHeight(dataDir: string, height: number): Promise<{ ms: number; node: AinNode }> {
  const start = performance.now();
  const node = await startBenchNode(dataDir, { verifyThreads: 0 });
  const deadline = Date.now() + 600_000;
  while (node.ledger.height < height) {
    if (Date.now() > deadline) throw new Error(`restart: height ${node.ledger.height} of ${height} after 10 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { ms: performance.now() - start, node };
}

/**
 * A node's restart with 10^6 txs in its log: a full replay from genesis (no snapshot: every
 * record re-checked on every core and applied) against loading the snapshot it wrote on stop.
 */
export async function benchRestart(): Promise<Figure[]> {
  return withTempDir('restart', async (dataDir) => {
    const prepareStart = performance.now();
    await writeChainFixture(dataDir, txCount, maxTxs);
    const prepareMs = performance.now() - prepareStart;
    const height = txCount / maxTxs;
    await waitForQuiet();
    const replay = await timeToHeight(dataDir, height);
    await replay.node.stop(); // writes the snapshot at `height`
    await waitForQuiet();
    const fromSnapshot = await timeToHeight(dataDir, height);
    const snapshotHeight = fromSnapshot.node.ledger.height;
    await fromSnapshot.node.stop();
    await rm(join(dataDir, 'log'), { recursive: true, force: true });
    return [
      {
        name: 'restart.replay',
        value: replay.ms,
        unit: 'ms',
        note: `${txCount.toLocaleString('en-US')} txs (${height} blocks) replayed from genesis on every core; the log was written in ${Math.round(prepareMs / 1000)} s untimed`,
      },
      { name: 'restart.snapshot', value: fromSnapshot.ms, unit: 'ms', note: `loaded the snapshot at height ${snapshotHeight}, nothing left to replay` },
      { name: 'restart.speedup', value: replay.ms / fromSnapshot.ms, unit: 'x', note: 'restart.replay / restart.snapshot' },
    ];
  });
}
