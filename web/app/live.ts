import { batch, signal } from '@preact/signals';
import { applyChain, applyConnection, createFrameBatcher, initialChain, initialConnection, type ChainEvent } from '../viewModels/index.ts';

/** How the page's link to its node stands: the banner shows it. */
export const connection = signal(initialConnection);
/** Height, final height and the last blocks: every view keeps them live. */
export const chain = signal(initialChain);

/** One event of `GET /v1/streams/mux`: the stream it belongs to, its kind, height and data. */
export interface MuxMessage {
  readonly stream: string;
  readonly event: string;
  readonly id: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each view reads the kinds of its own streams
  readonly data: any;
}

interface StatusAnswer {
  readonly chain: string;
  readonly height: number;
  readonly finalized: number;
}

const bare = (name: string) => name.replace(/@\d+$/, '');
const retryMs = [500, 1000, 2000, 4000];

/**
 * Follows the view's streams (plus `blocks` and `finality` for the page's header) on one
 * multiplexed socket. Events are folded once per animation frame. A stream the node no longer
 * holds (STREAM_GAP), or a socket the browser gave up on, makes the view re-read its REST
 * snapshot (`resync`) and follow live again: from the height after the one `resync` says it read
 * up to, when it says one, so nothing between the snapshot and the stream is missed. While the
 * node does not answer, the banner says so and the page keeps trying. Returns the function that
 * stops following.
 * @example useEffect(() => follow(['dashboard'], (events) => …, reload), [])
 */
export function follow(names: readonly string[], onEvents: (events: MuxMessage[]) => void, resync: () => Promise<number | void>): () => void {
  const all = [...names];
  for (const always of ['blocks', 'finality']) if (!all.some((n) => bare(n) === always)) all.push(always);
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let attempts = 0;
  /** The node ended the stream with an error event: the close that follows is not news. */
  let endedByNode = false;
  const batcher = createFrameBatcher<MuxMessage>(requestAnimationFrame, (events) =>
    batch(() => {
      let state = chain.value;
      for (const { event, data } of events) if (event === 'block' || event === 'finality') state = applyChain(state, { type: event, data } as ChainEvent);
      chain.value = state;
      onEvents(events.filter((e) => names.some((n) => bare(n) === e.stream)));
    }),
  );
  /** `first`: the names as the view gave them; a height: the view's event streams after it; else all live. */
  const open = (from: true | number | undefined) => {
    const valueStream = (name: string) => name.startsWith('state') || name.startsWith('accounts/');
    const named =
      from === true
        ? all
        : all.map((name) => (typeof from === 'number' && names.includes(name) && !valueStream(bare(name)) ? `${bare(name)}@${from + 1}` : bare(name)));
    const query = named.join(',');
    const opened = new EventSource(`/v1/streams/mux?names=${encodeURIComponent(query)}`);
    source = opened;
    opened.onopen = () => {
      attempts = 0;
      connection.value = applyConnection(connection.value, { type: 'open' });
      // The header's figures before the first block comes: the node's status now.
      fetch('/v1/status')
        .then((answer) => (answer.ok ? (answer.json() as Promise<StatusAnswer>) : null))
        .then((status) => status !== null && (chain.value = applyChain(chain.value, { type: 'status', status })))
        .catch(() => undefined);
    };
    opened.onmessage = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as MuxMessage;
      if (event.event === 'error') return restart();
      batcher.push(event);
    };
    opened.addEventListener('error', (event) => {
      if (stopped || source !== opened) return;
      if (event instanceof MessageEvent && typeof event.data === 'string') {
        const { code, message } = JSON.parse(event.data) as { code: string; message: string };
        connection.value = applyConnection(connection.value, { type: 'ended', code, message });
        endedByNode = true;
        return; // the browser reconnects with Last-Event-ID; each stream resumes after its last event
      }
      if (endedByNode && opened.readyState === EventSource.CONNECTING) return void (endedByNode = false);
      connection.value = applyConnection(connection.value, { type: 'unreachable', node: location.origin });
      if (opened.readyState === EventSource.CLOSED) restart();
    });
  };
  const restart = () => {
    source?.close();
    source = undefined;
    clearTimeout(timer);
    timer = setTimeout(
      () => {
        attempts++;
        resync().then(
          (height) => !stopped && open(typeof height === 'number' ? height : undefined),
          () => !stopped && restart(),
        );
      },
      retryMs[Math.min(attempts, retryMs.length - 1)],
    );
  };
  open(true);
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}
