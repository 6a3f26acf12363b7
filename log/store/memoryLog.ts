import { AinError } from '../../schemas/index.ts';
import type { EventLog, FollowOptions, LogRecord, ReadOptions } from './eventLog.ts';
import { followRecords, OffsetNotifier } from './follow.ts';

/**
 * An `EventLog` held in memory, for unit tests and simulations: every append is "durable" at once
 * and everything is lost when the process ends. Appended bytes are copied, so a caller reusing its
 * buffers cannot change the log.
 * @example
 * const log = createMemoryLog();
 * await log.append([new TextEncoder().encode('hello')]); // → [0]
 */
export function createMemoryLog(): EventLog {
  const records: Uint8Array[] = [];
  const notifier = new OffsetNotifier();
  let closed = false;

  const closedError = (): AinError => new AinError('LOG_CLOSED', 'The in-memory log is closed; create a new one.');

  const read = (from: number, options: ReadOptions = {}): Promise<LogRecord[]> => {
    if (closed) return Promise.reject(closedError());
    const start = Math.max(0, Math.ceil(from));
    const end = Math.min(records.length, start + Math.floor(options.maxRecords ?? records.length));
    const out: LogRecord[] = [];
    for (let offset = start; offset < end; offset++) {
      const value = records[offset];
      if (value !== undefined) out.push({ offset, value });
    }
    return Promise.resolve(out);
  };

  const lastOffset = (): number => records.length - 1;

  return {
    append(batch) {
      if (closed) return Promise.reject(closedError());
      const first = records.length;
      for (const value of batch) records.push(value.slice());
      if (batch.length > 0) notifier.notify();
      return Promise.resolve(batch.map((_, index) => first + index));
    },
    read,
    follow(from: number, options: FollowOptions = {}) {
      return followRecords({ read, lastOffset, isClosed: () => closed, notifier }, from, options);
    },
    lastOffset,
    close() {
      closed = true;
      notifier.close();
      return Promise.resolve();
    },
  };
}
