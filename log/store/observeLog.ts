import { Observable } from 'rxjs';

import type { EventLog, LogRecord } from './eventLog.ts';

/**
 * `log.follow(from)` as an RxJS observable of single records: from `from` on, then new ones as they
 * become durable. Unsubscribing aborts the follow; closing the log completes the observable.
 * @example
 * const subscription = observeLog(log, 0).subscribe((record) => console.log(record.offset));
 */
export function observeLog(log: EventLog, from: number): Observable<LogRecord> {
  return new Observable<LogRecord>((subscriber) => {
    const controller = new AbortController();
    void (async () => {
      try {
        for await (const batch of log.follow(from, { signal: controller.signal })) {
          for (const record of batch) {
            if (subscriber.closed) return;
            subscriber.next(record);
          }
        }
        subscriber.complete();
      } catch (error) {
        subscriber.error(error);
      }
    })();
    return () => controller.abort();
  });
}
