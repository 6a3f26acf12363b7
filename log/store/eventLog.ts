/** One record read back from a log: its offset and the bytes that were appended. */
export interface LogRecord {
  /** Zero-based position in the log; offsets are dense and strictly increasing. */
  readonly offset: number;
  readonly value: Uint8Array;
}

export interface ReadOptions {
  /** Stop after this many records (default: all that are durable now). */
  readonly maxRecords?: number;
}

export interface FollowOptions {
  /** Aborting ends the iteration (or completes the observable) cleanly. */
  readonly signal?: AbortSignal;
  /** Records in one batch at most: what a slow consumer holds (default 1024, one read of the log). */
  readonly maxBatchRecords?: number;
}

/**
 * The totally ordered, append-only log every node consumes (DESIGN.md, "The one idea").
 *
 * Contract, pinned by test/log/store/conformance.ts:
 * - `append(batch)` resolves with the offsets of the batch, in order and contiguous, only once
 *   every record of it is durable under the log's policy. A rejected append wrote nothing that a
 *   reader will see as acknowledged.
 * - Offsets start at 0 and have no gaps. Concurrent appends are serialised; each batch stays
 *   contiguous.
 * - `read(from)` returns durable records with `offset >= from`, in order.
 * - `follow(from)` yields every record with `offset >= from` in batches, then waits for new ones,
 *   until aborted or the log is closed. A batch is what is durable when the log reads it: never
 *   empty, in offset order with no gap between or within batches, at most `maxBatchRecords`, and
 *   yielded as soon as it is read (the log never waits for more records to fill it).
 * - `observeLog(log, from)` (observeLog.ts) gives `follow` as an RxJS observable of records.
 * - `lastOffset()` is the offset of the last durable record, or -1 for an empty log.
 * - `outage()`, on a log kept by a service (Kafka), says since when and why the service does not
 *   answer, or undefined while it does.
 */
export interface EventLog {
  append(batch: readonly Uint8Array[]): Promise<number[]>;
  read(from: number, options?: ReadOptions): Promise<LogRecord[]>;
  follow(from: number, options?: FollowOptions): AsyncIterable<LogRecord[]>;
  lastOffset(): number;
  close(): Promise<void>;
  outage?(): LogOutage | undefined;
}

/** A log service that does not answer: since when (ms since the epoch) and what the last try met. */
export interface LogOutage {
  readonly sinceMs: number;
  readonly message: string;
}
