import { setTimeout as sleep } from 'node:timers/promises';
import { isAinError, type StreamEvent } from '../../schemas/index.ts';
import { readStream } from './readStream.ts';

export interface FollowStreamOptions {
  readonly fromHeight?: number;
  /** Check each event's data against its schema (schemas/streams); default true. */
  readonly validate?: boolean;
  readonly signal: AbortSignal;
  /** Reconnects in a row without an event in between before giving up. */
  readonly attemptsMax?: number;
  readonly backoffMsMin?: number;
  readonly backoffMsMax?: number;
  /** See ReadStreamOptions.idleMs: a silent connection is dropped and resumed. */
  readonly idleMs?: number;
  /** Told of each reconnect, with why and how long until it. */
  readonly onRetry?: (error: unknown, attempt: number, pauseMs: number) => void;
}

/**
 * Refusals that another try cannot fix: a stream that does not exist, a bad query, a height the
 * node no longer holds (resuming past it would miss events, so it is reported, not skipped), or a
 * value larger than one event carries (its message says which paths to follow instead), or an
 * event that does not match its schema (the node would send it again).
 */
const finalCodes = new Set(['NOT_FOUND', 'BAD_SCHEMA', 'BAD_ADDRESS', 'INVALID_PATH', 'STREAM_GAP', 'RESULT_TOO_LARGE', 'BAD_STREAM_EVENT']);

/**
 * A node's stream that survives dropped connections: it reconnects with backoff and
 * `Last-Event-ID` of the last event it yielded, so nothing is missed or yielded twice. Ends when
 * `signal` aborts; throws after `attemptsMax` failed reconnects in a row.
 * @example for await (const e of followStream(url, 'blocks', { signal })) console.log(e.id)
 */
export async function* followStream(nodeUrl: string, name: string, options: FollowStreamOptions): AsyncGenerator<StreamEvent> {
  const { signal, attemptsMax = 10, backoffMsMin = 100, backoffMsMax = 5000, onRetry } = options;
  let lastId: number | undefined;
  for (let attempt = 0; !signal.aborted;) {
    let failure: unknown = new Error('the node ended the stream');
    try {
      const position = lastId === undefined ? { fromHeight: options.fromHeight } : { lastEventId: lastId };
      for await (const event of readStream(nodeUrl, name, {
        ...position,
        signal,
        ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
        ...(options.validate === undefined ? {} : { validate: options.validate }),
      })) {
        // Ids are block heights and only go up; a value stream resumed in the same block sends its value again.
        if (signal.aborted) return;
        // A worker's progress is live only, never replayed: its id is the height it came at (on an
        // idle chain, the height of the events before it), not a place in the stream to resume from.
        if (event.event === 'progress') {
          yield event;
          continue;
        }
        if (lastId !== undefined && event.id <= lastId) continue;
        lastId = event.id;
        attempt = 0;
        yield event;
      }
    } catch (error) {
      if (isAinError(error) && finalCodes.has(error.code)) throw error;
      failure = error;
    }
    if (signal.aborted) return;
    if (++attempt > attemptsMax) throw failure;
    const pauseMs = Math.min(backoffMsMax, backoffMsMin * 2 ** (attempt - 1));
    onRetry?.(failure, attempt, pauseMs);
    await sleep(pauseMs, undefined, { signal }).catch(() => undefined);
  }
}
