import { AinError, isAinError } from '../../schemas/index.ts';
import type { FollowOptions, LogRecord, ReadOptions } from './eventLog.ts';

/**
 * Records in one batch of `follow` by default: one read of the log, and a bound on what a slow
 * consumer holds.
 */
export const FOLLOW_BATCH_RECORDS_MAX = 1024;
const MAX_WAITERS = 10_000;
const RETRY_BACKOFF_MS = 100;
const RETRY_BACKOFF_MAX_MS = 5_000;
const EMPTY_READS_MAX = 100;

/** Waits `ms`, or less if `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Wakes followers when new records become durable, in process: no polling of the disk.
 * A waiter is released by `notify`, `close` or its abort signal, then re-checks for itself.
 */
export class OffsetNotifier {
  private readonly waiters = new Set<() => void>();
  private closed = false;

  /** Resolves once `ready()` holds after a notify, or the notifier closes, or `signal` aborts. */
  wait(ready: () => boolean, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted === true || ready()) return Promise.resolve();
    if (this.waiters.size >= MAX_WAITERS) {
      return Promise.reject(new AinError('OVERLOADED', `The log already has ${MAX_WAITERS} followers waiting; stop some before following again.`));
    }
    return new Promise((resolve) => {
      const release = (): void => {
        this.waiters.delete(release);
        signal?.removeEventListener('abort', release);
        resolve();
      };
      this.waiters.add(release);
      signal?.addEventListener('abort', release, { once: true });
    });
  }

  notify(): void {
    for (const release of this.waiters) release();
  }

  /** Releases every waiter now and every later one at once. */
  close(): void {
    this.closed = true;
    this.notify();
  }
}

/** What `followRecords` needs from a log. */
export interface FollowSource {
  read(from: number, options: ReadOptions): Promise<LogRecord[]>;
  lastOffset(): number;
  isClosed(): boolean;
  readonly notifier: OffsetNotifier;
}

/**
 * `follow` for any log that can read and notify: yields the records from `from` as batches of what
 * one read finds durable now (at most `maxBatchRecords`, never empty, in order; a batch is not
 * held back to fill it), then waits for new durable ones, until `signal` aborts or the log closes.
 */
export async function* followRecords(
  source: FollowSource,
  from: number,
  { signal, maxBatchRecords = FOLLOW_BATCH_RECORDS_MAX }: FollowOptions = {},
): AsyncGenerator<LogRecord[]> {
  if (!Number.isSafeInteger(maxBatchRecords) || maxBatchRecords < 1) {
    throw new AinError('INTERNAL', `follow's maxBatchRecords must be a positive integer, not ${maxBatchRecords}.`);
  }
  // A function, not a narrowed expression: the signal can abort while this generator is suspended.
  const aborted = (): boolean => signal?.aborted === true;
  let next = Math.max(0, Math.ceil(from));
  let outages = 0;
  let emptyReads = 0;
  while (!aborted() && !source.isClosed()) {
    if (source.lastOffset() < next) {
      await source.notifier.wait(() => source.lastOffset() >= next, signal);
      continue;
    }
    let records: LogRecord[];
    try {
      records = await source.read(next, { maxRecords: maxBatchRecords });
      outages = 0;
    } catch (error) {
      if (isAinError(error, 'LOG_CLOSED')) return;
      // A log service that is down (Kafka brokers) comes back: a follower waits for it, backing off.
      if (!isAinError(error, 'LOG_UNAVAILABLE')) throw error;
      await sleep(Math.min(RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_MS * 2 ** Math.min(outages++, 10)), signal);
      continue;
    }
    const last = records[records.length - 1];
    if (last === undefined) {
      // A log service just back from an outage can say records are there (its acknowledgements)
      // a moment before it serves them; past a bounded wait, the log is broken.
      if (++emptyReads > EMPTY_READS_MAX) {
        throw new AinError(
          'INTERNAL',
          `The log reports offset ${source.lastOffset()} as durable but reading from ${next} returned nothing, ${EMPTY_READS_MAX} times.`,
        );
      }
      await sleep(RETRY_BACKOFF_MS * 2, signal);
      continue;
    }
    emptyReads = 0;
    if (aborted()) return;
    yield records;
    next = last.offset + 1;
  }
}
