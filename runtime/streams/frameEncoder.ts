import { Buffer } from 'node:buffer';
import type { StreamEvent } from '../../schemas/index.ts';

export type { StreamEvent } from '../../schemas/index.ts';

/**
 * Server-Sent Events frames of stream events. A frame is made once per event object and the
 * same bytes go to every subscriber that event reaches, so the cost of a block's events does not
 * grow with the number of subscribers (the hub hands one event object to all of them).
 */
export interface FrameEncoder {
  /** The event as one SSE frame: `id:`, `event:`, `data:` and a blank line. */
  frame(event: StreamEvent): Buffer;
  /** An event whose data is JSON text already: its frame is made now; `data` is parsed only when read in process. */
  fromJson(id: number, event: string, dataJson: string): StreamEvent;
}

/**
 * @param onEncoded told of each frame made (the event's kind and the frame's bytes): once per
 * event, whatever the number of its subscribers.
 * @example const encoder = createFrameEncoder(); socket.write(encoder.frame(event))
 */
export function createFrameEncoder(onEncoded?: (event: string, bytes: number) => void): FrameEncoder {
  const frames = new WeakMap<StreamEvent, Buffer>();
  const head = (id: number, event: string) => `id: ${id}\nevent: ${event}\ndata: `;
  const encode = (id: number, event: string, dataJson: string): Buffer => {
    const frame = Buffer.from(`${head(id, event)}${dataJson}\n\n`);
    onEncoded?.(event, frame.length);
    return frame;
  };
  return {
    frame(event) {
      let frame = frames.get(event);
      if (frame === undefined) {
        frame = encode(event.id, event.event, JSON.stringify(event.data));
        frames.set(event, frame);
      }
      return frame;
    },
    fromJson(id, event, dataJson) {
      const frame = encode(id, event, dataJson);
      // Only the frame is kept: the data is read back from it, for in-process subscribers.
      const dataAt = Buffer.byteLength(head(id, event));
      let data: unknown;
      const made: StreamEvent = {
        id,
        event,
        get data() {
          return (data ??= JSON.parse(frame.toString('utf8', dataAt, frame.length - 2)));
        },
      };
      frames.set(made, frame);
      return made;
    },
  };
}
