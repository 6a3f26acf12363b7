import { z } from 'zod';
import { Uint, type AinError, type StreamEvent } from '../../../schemas/index.ts';
import { followStream, type FollowStreamOptions } from '../followStream.ts';
import { parametersOf, type NodeRef } from './nodeRef.ts';

/** A stream's name: `blocks`, `finality`, `jobs`, `jobs/<id>`, `requests/<id>`, `accounts/<address>`, `state/<path>`, … (docs/api.md, "Streams"). */
const StreamName = z
  .string()
  .min(1)
  .max(1100)
  .regex(/^[^/?#\s][^?#\s]*$/, { message: 'must be a stream name such as "blocks" or "accounts/0x…", without a leading "/" or a query' });

const SubscribeParameters = z.object({ name: StreamName, fromHeight: Uint.min(1).optional() });
/** The stream, where to start (`fromHeight`: replay from that block; default: from now on), and when to stop (`signal`). */
export type SubscribeParameters = z.input<typeof SubscribeParameters> & Omit<FollowStreamOptions, 'fromHeight'>;
/** Each event once, in order: `{ id, event, data }` with `id` its block's height; `data` checked against its kind's schema. */
export type SubscribeReturnType = AsyncGenerator<StreamEvent>;
/**
 * BAD_SCHEMA (a bad name or height, at the first `next()`); thrown by the iteration: NOT_FOUND (no
 * such stream), STREAM_GAP (the node no longer holds `fromHeight`), RESULT_TOO_LARGE,
 * BAD_STREAM_EVENT, or the last error after `attemptsMax` failed reconnects.
 */
export type SubscribeErrorType = AinError;

/**
 * A node's stream as an async iterable that survives dropped connections: it reconnects with
 * backoff and resumes after the last event it yielded (`Last-Event-ID`), so no event is missed
 * or yielded twice. It ends when `signal` aborts.
 * @example for await (const { id, data } of subscribe({ url }, { name: 'blocks', fromHeight: 1, signal })) console.log(id, data)
 */
export async function* subscribe(client: NodeRef, parameters: SubscribeParameters): SubscribeReturnType {
  const { name, fromHeight } = parametersOf('subscribe', SubscribeParameters, { name: parameters.name, fromHeight: parameters.fromHeight });
  yield* followStream(client.url, name, { ...parameters, ...(fromHeight === undefined ? {} : { fromHeight }) });
}
