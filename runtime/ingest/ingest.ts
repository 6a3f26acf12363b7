import type { EventLog } from '../../events/index.ts';
import type { VerifyPool } from './verifyPool.ts';

/** What a submitted tx came to: where it is in the log, or why it was refused. */
export type SubmitResult =
  | { readonly hash: string; readonly offset: number }
  | { readonly code: string; readonly message: string };

export interface IngestOptions {
  readonly log: EventLog;
  readonly pool: VerifyPool;
  /** How many recent tx hashes to remember, so a retried tx gets its first offset back. */
  readonly recentTxsMax?: number;
}

export interface Ingest {
  /**
   * Checks txs on the pool and appends the valid ones, in order, as one batch; resolves once
   * they are durable. Throws (appending nothing) only when the log itself fails.
   */
  submit(txs: readonly unknown[]): Promise<SubmitResult[]>;
}

/**
 * The boundary every tx crosses into the log. A tx submitted again while the node remembers it
 * is not appended twice: the retry gets the first offset (the ledger also counts a hash once).
 */
export function createIngest({ log, pool, recentTxsMax = 100_000 }: IngestOptions): Ingest {
  const recent = new Map<string, Promise<number>>();
  const remember = (hash: string, offset: Promise<number>) => {
    recent.set(hash, offset);
    if (recent.size > recentTxsMax) recent.delete(recent.keys().next().value!);
  };

  return {
    async submit(txs) {
      const checked = await pool.verify(txs);
      const results: (SubmitResult | Promise<SubmitResult>)[] = [];
      const records: Uint8Array[] = [];
      const fresh: { index: number; hash: string }[] = [];
      let settle!: { resolve: (offsets: number[]) => void; reject: (e: unknown) => void };
      const appended = new Promise<number[]>((resolve, reject) => (settle = { resolve, reject }));
      appended.catch(() => undefined);
      checked.forEach((c, index) => {
        if (!c.ok) {
          results.push({ code: c.code, message: c.message });
          return;
        }
        const earlier = recent.get(c.hash);
        if (earlier !== undefined) {
          results.push(earlier.then((offset) => ({ hash: c.hash, offset })));
          return;
        }
        const slot = records.length;
        records.push(c.record);
        fresh.push({ index, hash: c.hash });
        remember(c.hash, appended.then((offsets) => offsets[slot]!));
        results.push({ hash: c.hash, offset: -1 });
      });
      if (records.length > 0) {
        try {
          const offsets = await log.append(records);
          settle.resolve(offsets);
          fresh.forEach(({ index, hash }, slot) => (results[index] = { hash, offset: offsets[slot]! }));
        } catch (error) {
          for (const { hash } of fresh) recent.delete(hash);
          settle.reject(error);
          throw error;
        }
      }
      return Promise.all(results);
    },
  };
}
