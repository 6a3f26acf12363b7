import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { devGenesis, parseGenesis } from '../actors/index.ts';
import type { NodeConfigInput } from '../schemas/index.ts';
import { loadConfig } from '../runtime/config/index.ts';
import { loadOrCreateKeyFile } from '../runtime/keys/index.ts';
import { startNode, type AinNode } from '../runtime/node/index.ts';

/**
 * A node on a dev genesis whose rules let anyone write under /bench (so the benchmark's txs are
 * applied, not refused), on port 0.
 */
export async function startBenchNode(dataDir: string, flags: Partial<NodeConfigInput> = {}): Promise<AinNode> {
  const { key } = await loadOrCreateKeyFile(join(dataDir, 'node.key'));
  // A load test's genesis: every tx is counted against its sender's bandwidth, as on any chain,
  // with a free allowance the load's 1000 fresh keys stay within (the budget is not what it measures).
  const dev = devGenesis(key.address, { chain: 'ain-local' });
  const genesis = parseGenesis({ ...dev, bandwidth: { ...dev.bandwidth!, free: 1_000_000 }, rules: { '/bench': true } });
  await writeFile(join(dataDir, 'genesis.json'), JSON.stringify(genesis));
  const config = await loadConfig({ flags: { dataDir, port: 0, ...flags } });
  return startNode({ config, logger: pino({ level: 'silent' }) });
}

/**
 * Resolves once a block covering `offset` is final (bounded by `timeoutMs`). With `nudge` it waits
 * as a client waiting for finality does, through the node's waitFinal, which asks the proposer to
 * cut now rather than at its next tick; without, blocks come at the proposer's own pace (for
 * latency figures).
 */
export async function finalCovering(node: AinNode, offset: number, { timeoutMs = 60_000, nudge = true } = {}): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const latest = node.blocks.latest();
    if (latest !== undefined && latest.header.lastOffset >= offset) {
      let height = latest.header.height;
      while (height > 1 && (node.blocks.get(height - 1)?.header.lastOffset ?? -1) >= offset) height--;
      await node.waitFinal(height, Math.max(1, deadline - Date.now()));
      return height;
    }
    if (Date.now() > deadline) throw new Error(`no block covered offset ${offset} within ${timeoutMs} ms`);
    // The next block holds every record appended before its cut marker, `offset` among them.
    if (nudge) await node.waitFinal((latest?.header.height ?? 0) + 1, Math.max(1, deadline - Date.now()));
    else await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
