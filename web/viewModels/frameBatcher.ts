/** Schedules one call for the next frame (a browser's requestAnimationFrame; a test's own). */
export type FrameScheduler = (callback: () => void) => unknown;

export interface FrameBatcher<E> {
  /** Queues an event; the state is folded at the next frame, with every event queued before it. */
  push(event: E): void;
  /** Events waiting for the next frame. */
  readonly pending: number;
}

/**
 * Folds events into a view's state once per animation frame: however many events a stream brings
 * between two frames, the page renders once, and the stream is read as fast as it comes (a page
 * never leaves the node's buffer to fill up and get cut off as a slow consumer). `pendingMax`
 * bounds the queue: past it the queue is folded at once.
 * @example const batcher = createFrameBatcher(requestAnimationFrame, (events) => (state.value = events.reduce(apply, state.value)))
 */
export function createFrameBatcher<E>(schedule: FrameScheduler, flush: (events: E[]) => void, pendingMax = 10_000): FrameBatcher<E> {
  let queue: E[] = [];
  let scheduled = false;
  const run = () => {
    scheduled = false;
    const events = queue;
    queue = [];
    if (events.length > 0) flush(events);
  };
  return {
    push(event) {
      queue.push(event);
      if (queue.length >= pendingMax) return run();
      if (scheduled) return;
      scheduled = true;
      schedule(run);
    },
    get pending() {
      return queue.length;
    },
  };
}
