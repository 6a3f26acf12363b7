import { createHash } from 'node:crypto';
import type { KeyPair } from '../../log/index.ts';
import { canonicalBytes } from '../../log/index.ts';
import type { RunEvent } from '../../schemas/index.ts';
import { signBlobAuth } from '../storage/index.ts';
import { errorFromAnswer } from './nodeClient.ts';

/** Events one post carries at most (the node's limit). */
const postEventsMax = 32;
/** Events waiting to be posted at most; past it the oldest waiting are dropped (progress is a view, not a record). */
const waitingMax = 256;

/**
 * What a worker signs to post progress: the SHA-256 of the body's canonical JSON, as a Big Storage
 * PUT of those bytes is signed (the node checks the same).
 */
export function progressBodyHash(body: { readonly worker: string; readonly events: readonly RunEvent[] }): string {
  return createHash('sha256').update(canonicalBytes(body)).digest('hex');
}

export interface ProgressPoster {
  /** Queues an event of the run; posted in batches, one post in flight at a time. */
  push(event: RunEvent): void;
  /** Posts what is waiting; resolves once done (errors are kept in `errors`, never thrown). */
  flush(): Promise<void>;
  /** Why posts failed, the first few: progress is best effort. */
  readonly errors: readonly string[];
}

/**
 * Posts a worker's run events to its node's `POST /v1/requests/<id>/progress` (signed as Big
 * Storage requests are), so the request's `requests/<id>` stream shows them while it runs.
 * Bounded: batches of 32, 256 waiting at most, one post in flight.
 * @example const poster = createProgressPoster({ nodeUrl, key, request }); events$.subscribe((e) => poster.push(e)); await poster.flush()
 */
export function createProgressPoster({ nodeUrl, key, request }: { readonly nodeUrl: string; readonly key: KeyPair; readonly request: string }): ProgressPoster {
  const waiting: RunEvent[] = [];
  const errors: string[] = [];
  let inFlight: Promise<void> | undefined;
  const post = async (events: RunEvent[]) => {
    const body = { worker: key.address, events };
    const hash = progressBodyHash(body);
    try {
      const response = await fetch(new URL(`/v1/requests/${request}/progress`, nodeUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: signBlobAuth({ key, method: 'PROGRESS', hash, timeMs: Date.now() }) },
        body: JSON.stringify(body),
      });
      if (response.status !== 202) throw errorFromAnswer(nodeUrl, response.status, await response.json().catch(() => undefined));
    } catch (error) {
      if (errors.length < 5) errors.push((error as Error).message);
    }
  };
  const drain = async (): Promise<void> => {
    while (waiting.length > 0) await post(waiting.splice(0, postEventsMax));
  };
  const kick = () => {
    inFlight ??= drain().finally(() => (inFlight = undefined));
    return inFlight;
  };
  return {
    errors,
    push(event) {
      waiting.push(event);
      if (waiting.length > waitingMax) waiting.splice(0, waiting.length - waitingMax);
      void kick();
    },
    async flush() {
      while (waiting.length > 0 || inFlight !== undefined) await kick();
    },
  };
}
