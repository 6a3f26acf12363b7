import { Observable } from 'rxjs';
import type { StreamEvent } from '../../../schemas/index.ts';
import type { NodeRef } from './nodeRef.ts';
import { subscribe, type SubscribeErrorType, type SubscribeParameters } from './subscribe.ts';

/** As `subscribe`'s, without the signal: unsubscribing stops the stream. */
export type ObserveParameters = Omit<SubscribeParameters, 'signal'>;
export type ObserveReturnType = Observable<StreamEvent>;
export type ObserveErrorType = SubscribeErrorType;

/**
 * `subscribe` as an RxJS Observable: each subscription follows the stream on its own connection
 * (resuming after drops) until it unsubscribes; a final error (NOT_FOUND, STREAM_GAP, …) is the
 * observable's error.
 * @example const sub = observe({ url }, { name: 'finality' }).subscribe((e) => console.log(e.data))
 */
export function observe(client: NodeRef, parameters: ObserveParameters): ObserveReturnType {
  return new Observable<StreamEvent>((subscriber) => {
    const stop = new AbortController();
    void (async () => {
      try {
        for await (const event of subscribe(client, { ...parameters, signal: stop.signal })) subscriber.next(event);
        subscriber.complete();
      } catch (error) {
        subscriber.error(error);
      }
    })();
    return () => stop.abort();
  });
}
