import type { Logger } from 'pino';
import { encodeTxRecord, signTx, type BlockCutter, type EventLog, type KeyPair } from '../../events/index.ts';

export interface ProposerOptions {
  readonly log: EventLog;
  readonly cutter: BlockCutter;
  readonly key: KeyPair;
  readonly chain: string;
  readonly shard: string;
  readonly intervalMs: number;
  readonly now: () => number;
  readonly logger: Logger;
  /** False while the node is still replaying its log: a marker then would be for a stale height. */
  readonly caughtUp: () => boolean;
}

/**
 * Appends a signed `cut` marker for the next height when its timer fires and records wait
 * beyond the last block, once per height. Nonces follow the clock so a restart never reuses one.
 */
export function startProposer({ log, cutter, key, chain, shard, intervalMs, now, logger, caughtUp }: ProposerOptions): { stop(): void } {
  let lastNonce = 0;
  let lastCutHeight = 0;
  let busy = false;
  const timer = setInterval(async () => {
    const { height, lastOffset } = cutter.position;
    if (busy || !caughtUp() || height <= lastCutHeight || log.lastOffset() <= lastOffset) return;
    busy = true;
    try {
      const time = now();
      lastNonce = Math.max(lastNonce + 1, time);
      const tx = signTx({ key, op: { type: 'cut', height }, nonce: lastNonce, time, chain, shard });
      await log.append([encodeTxRecord(tx)]);
      lastCutHeight = height;
    } catch (error) {
      logger.warn({ err: error }, 'could not append a cut marker; will retry');
    } finally {
      busy = false;
    }
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
