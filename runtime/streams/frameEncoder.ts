import { Buffer } from 'node:buffer';
import type { StreamEvent } from '../../schemas/index.ts';

export type { StreamEvent } from '../../schemas/index.ts';

/** A stream event with its Server-Sent Events frame: what the hub hands a subscriber, and the route writes. */
export interface FramedEvent extends StreamEvent {
  /** The event as one SSE frame: `id:`, `event:`, `data:` and a blank line. */
  readonly frame: Buffer;
}

/**
 * Server-Sent Events frames of stream events, made when the hub makes the event: the hub hands
 * one event object to every subscriber it reaches, so the frame is made once per event and the
 * cost of a block's events does not grow with the number of subscribers.
 */
export interface FrameEncoder {
  /** The event with its frame, made now. */
  framed(event: StreamEvent): FramedEvent;
  /** An event whose data is JSON text already: its frame is made now; `data` is parsed only when read in process. */
  fromJson(id: number, event: string, dataJson: string): FramedEvent;
}

/**
 * @param onEncoded told of each frame made (the event's kind and the frame's bytes): once per
 * event, whatever the number of its subscribers.
 * @example const encoder = createFrameEncoder(); socket.write(encoder.framed(event).frame)
 */
export function createFrameEncoder(onEncoded?: (event: string, bytes: number) => void): FrameEncoder {
  const head = (id: number, event: string) => `id: ${id}\nevent: ${event}\ndata: `;
  const encode = (id: number, event: string, dataJson: string): Buffer => {
    const frame = Buffer.from(`${head(id, event)}${dataJson}\n\n`);
    onEncoded?.(event, frame.length);
    return frame;
  };
  return {
    framed({ id, event, data }) {
      return { id, event, data, frame: encode(id, event, JSON.stringify(data)) };
    },
    fromJson(id, event, dataJson) {
      const frame = encode(id, event, dataJson);
      // Only the frame is kept: the data is read back from it, for in-process subscribers.
      const dataAt = Buffer.byteLength(head(id, event));
      let data: unknown;
      return {
        id,
        event,
        frame,
        get data() {
          return (data ??= JSON.parse(frame.toString('utf8', dataAt, frame.length - 2)));
        },
      };
    },
  };
}
