import { concat, defer, filter, finalize, from, map, merge, mergeMap, share, Subject, type Observable, type Subscription } from 'rxjs';
import type { BlockConsensus } from '../../actors/index.ts';
import { readAccount, type JobEvent, type ReadModelChange, type StateTree } from '../../projections/index.ts';
import {
  AinError,
  nodeEventTypes,
  type AccountEvent,
  type BlockEvent,
  type ConsensusEvent,
  type DashboardEvent,
  type FinalityEvent,
  type JobsEvent,
  type ProgressEvent,
  type ReputationEvent,
  type RunEvent,
  type ShardEvent,
  type ShardsEvent,
  type TriggersEvent,
} from '../../schemas/index.ts';
import type { BlockView } from '../blocks/index.ts';
import { consensusEventOf } from './consensusEvent.ts';
import { createFrameEncoder, type FramedEvent } from './frameEncoder.ts';
import { createValueStreams } from './valueStreams.ts';

export type { FramedEvent, StreamEvent } from './frameEncoder.ts';

/** A block as the streams take it: its view, what the chain's step changed in the read models, what it did in consensus and to shards. */
export interface StreamBlock {
  readonly view: BlockView;
  readonly readModels: ReadModelChange | null;
  readonly consensus: BlockConsensus;
  /** What the shards branched from this chain did in the block (none when absent). */
  readonly shardEvents?: readonly ShardEvent[];
}

/** What the hub keeps of each recent block: everything every stream derives from it. */
interface HeldBlock extends StreamBlock {
  readonly finalityMoved: boolean;
}

/** The streams a node serves; `<x>` parts take an id, address or path. */
export const streamNames = [
  'blocks',
  'finality',
  'jobs',
  'jobs/<job or request id>',
  'requests/<request id>',
  'nodes',
  'shards',
  'shards/<path>',
  'reputation',
  'reputation/<address>',
  'dashboard',
  'triggers',
  'consensus',
  'accounts/<address>',
  'state/<path>',
] as const;

/** A stream's event of a block (its schema in schemas/streams), or undefined when the block changed nothing it shows. */
type Select = (
  held: HeldBlock,
) => BlockEvent | FinalityEvent | JobsEvent | ShardsEvent | ReputationEvent | TriggersEvent | DashboardEvent | ConsensusEvent | undefined;

function eventStream(name: string): { event: string; select: Select } | undefined {
  const [head, ...rest] = name.split('/');
  const arg = rest.join('/');
  const height = (h: HeldBlock) => h.view.header.height;
  const jobsWhere =
    (keep: (e: JobEvent) => boolean) =>
    (h: HeldBlock): JobsEvent | undefined => {
      const events = h.view.jobEvents.filter(keep);
      return events.length === 0 ? undefined : { height: height(h), events };
    };
  switch (head) {
    case 'blocks':
      if (arg !== '') return undefined;
      return {
        event: 'block',
        select: ({ view }) => ({
          height: view.header.height,
          hash: view.hash,
          header: view.header,
          txs: view.txs.length,
          finalized: view.finalized,
          jobEvents: view.jobEvents.length,
        }),
      };
    case 'finality':
      if (arg !== '') return undefined;
      return { event: 'finality', select: (h) => (h.finalityMoved ? { height: height(h), finalized: h.view.finalized } : undefined) };
    case 'jobs':
      return { event: 'jobs', select: jobsWhere(arg === '' ? () => true : (e) => e.job === arg || ('request' in e && e.request === arg)) };
    case 'nodes':
      if (arg !== '') return undefined;
      return { event: 'nodes', select: jobsWhere((e) => nodeEventTypes.has(e.type)) };
    case 'shards': {
      // `shards/apps/x`: the shard at /apps/x only.
      const path = `/${arg}`;
      return {
        event: 'shards',
        select: (h) => {
          const events = (h.shardEvents ?? []).filter((e) => arg === '' || e.shard === path);
          return events.length === 0 ? undefined : { height: height(h), events };
        },
      };
    }
    case 'reputation':
      return {
        event: 'reputation',
        select: (h) => {
          const entries = (h.readModels?.reputation ?? []).filter((e) => arg === '' || e.node === arg);
          return entries.length === 0 ? undefined : { height: height(h), entries };
        },
      };
    case 'triggers':
      if (arg !== '') return undefined;
      return { event: 'triggers', select: (h) => (h.view.triggers.length === 0 ? undefined : { height: height(h), triggers: h.view.triggers }) };
    case 'dashboard':
      if (arg !== '') return undefined;
      return {
        event: 'dashboard',
        select: (h) => (h.readModels === null ? undefined : { height: height(h), jobs: h.readModels.jobs, nodes: h.readModels.nodes }),
      };
    case 'consensus':
      if (arg !== '') return undefined;
      return { event: 'consensus', select: (h) => consensusEventOf(h.view, h.consensus) };
    default:
      return undefined;
  }
}

export interface StreamHubOptions {
  /** Each block with its read-model change, in height order. */
  readonly blocks$: Observable<StreamBlock>;
  readonly tree: StateTree;
  /** Recent blocks kept for resuming streams. */
  readonly historyBlocksMax?: number;
  /** The first height `blocks$` will bring (a node restored from a snapshot at h: h + 1). */
  readonly firstHeight?: number;
  /** JSON bytes of one value stream event's value; a larger value is RESULT_TOO_LARGE. */
  readonly eventBytesMax?: number;
  /** Told of each event serialized into a frame: once per event, whatever the number of its subscribers. */
  readonly onEncoded?: (event: string, bytes: number) => void;
}

export interface StreamHub {
  /**
   * A stream by name, each event with its frame. Event streams replay the held blocks from
   * `fromHeight` (inclusive), then go live, with no gap and no duplicate at the seam; without
   * `fromHeight` they start live. Value streams (`state/<path>`, `accounts/<address>`) start with
   * the current value and send it again at each block that changes it. Unknown names are
   * NOT_FOUND; a height older than the held history is STREAM_GAP.
   */
  open(name: string, fromHeight?: number): Observable<FramedEvent>;
  /**
   * The same stream in two parts, for a consumer that writes the replay at its own pace: the held
   * events up to now (lazily), and the live events after them. Subscribe to `live` before
   * draining `replay`, or events in between are missed.
   */
  resume(name: string, fromHeight?: number): { replay: Iterable<FramedEvent>; live: Observable<FramedEvent> };
  /** The lowest height still held (the first block seen when none was dropped yet). */
  readonly lowest: number;
  /** The height of the latest block the hub has seen (`firstHeight - 1` before the first). */
  readonly latest: number;
  /** What a worker reported of its run on a request (checked by the caller): to the request's `requests/<id>` subscribers now, kept nowhere. */
  progress(request: string, worker: string, event: RunEvent): void;
  close(): void;
}

/**
 * Every projection as an RxJS stream, from each block and what it changed in the read models (the
 * chain folds them; the hub only serves them); keeps the last `historyBlocksMax` blocks for resumes.
 */
export function createStreamHub({
  blocks$,
  tree,
  historyBlocksMax = 10_000,
  firstHeight = 1,
  eventBytesMax = 1024 * 1024,
  onEncoded,
}: StreamHubOptions): StreamHub {
  const held = new Map<number, HeldBlock>();
  const live$ = new Subject<HeldBlock>();
  let closed = false;
  let lowest = firstHeight;
  let latest = firstHeight - 1;
  let finalHeight = -1;
  const subscription: Subscription = blocks$.subscribe(({ view, readModels, consensus, shardEvents }) => {
    const height = view.header.height;
    const entry: HeldBlock = { view, readModels, consensus, shardEvents, finalityMoved: view.finalized.height > finalHeight };
    finalHeight = Math.max(finalHeight, view.finalized.height);
    held.set(height, entry);
    latest = height;
    while (held.size > historyBlocksMax) held.delete(lowest++);
    live$.next(entry);
  });

  const progress$ = new Subject<Omit<ProgressEvent, 'height'>>();
  const encoder = createFrameEncoder(onEncoded);
  const values = createValueStreams({ blocks$: live$, tree, latest: () => latest });
  /** Each event stream's live events, made once per block for all its subscribers while it has any. */
  const liveByName = new Map<string, Observable<FramedEvent>>();
  const sharedLive = (name: string, toEvent: (h: HeldBlock) => FramedEvent[]): Observable<FramedEvent> => {
    const found = liveByName.get(name);
    if (found !== undefined) return found;
    const made: Observable<FramedEvent> = defer(() => {
      liveByName.set(name, made);
      return live$.pipe(mergeMap(toEvent));
    }).pipe(
      finalize(() => {
        if (liveByName.get(name) === made) liveByName.delete(name);
      }),
      share(),
    );
    return made;
  };

  const stateEvent = (path: string) => (height: number) => {
    const json = tree.getJson(path, eventBytesMax);
    if (json === undefined) {
      const below = path === '/' ? '' : path;
      return new AinError(
        'RESULT_TOO_LARGE',
        `The value at ${path} is more than ${eventBytesMax} bytes of JSON, more than one stream event carries; follow the paths below it (state${below}/<key>), or read it in pages (GET /v1/state${below || '/'}?limit=100, then again with &cursor=<next>).`,
        { details: { path, bytesMax: eventBytesMax } },
      );
    }
    return encoder.fromJson(height, 'state', `{"path":${JSON.stringify(path)},"value":${json},"height":${height}}`);
  };

  function resume(name: string, fromHeight?: number): { replay: Iterable<FramedEvent>; live: Observable<FramedEvent> } {
    const [head, ...rest] = name.split('/');
    const arg = rest.join('/');
    if (head === 'requests' && /^[0-9a-f]{64}$/.test(arg)) {
      // The request's job events as `jobs/<id>` has them, and its workers' progress as it comes.
      const jobs = resume(`jobs/${arg}`, fromHeight);
      const progress = progress$.pipe(
        filter((p) => p.request === arg),
        map((p) => encoder.framed({ id: Math.max(latest, 0), event: 'progress', data: { ...p, height: Math.max(latest, 0) } satisfies ProgressEvent })),
      );
      return { replay: jobs.replay, live: merge(jobs.live, progress) };
    }
    if (head === 'state') {
      const path = `/${arg}`.replace(/\/$/, '') || '/';
      return { replay: [], live: values.open(`state:${path}`, path, stateEvent(path)) }; // INVALID_PATH, RESULT_TOO_LARGE now
    }
    if (head === 'accounts' && /^0x[0-9a-f]{40}$/.test(arg)) {
      const live = values.open(`account:${arg}`, `/accounts/${arg}`, (height) => {
        const { balance, stake, unbonding, nonce } = readAccount(tree, arg);
        const data: AccountEvent = { address: arg, balance: balance.toString(), stake: stake.toString(), unbonding: unbonding.toString(), nonce, height };
        return encoder.framed({ id: height, event: 'account', data });
      });
      return { replay: [], live };
    }
    if (head === 'accounts') {
      throw new AinError(
        'BAD_ADDRESS',
        `The stream accounts/<address> takes an address, "0x" followed by 40 lowercase hex characters; "${arg.slice(0, 80)}" is not one.`,
      );
    }
    const stream = eventStream(name);
    if (stream === undefined) {
      throw new AinError('NOT_FOUND', `There is no stream "${name}"; streams: ${streamNames.join(', ')}.`);
    }
    if (fromHeight !== undefined && fromHeight < lowest) {
      throw new AinError(
        'STREAM_GAP',
        `This node's streams hold the blocks it folded since it started, the last ${historyBlocksMax.toLocaleString('en-US')} at most: height ${lowest} on; height ${fromHeight} is older. Resume from ${lowest}, or read older blocks with GET /v1/blocks/<height> (those its block history holds) or ain audit --data DIR (the whole log).`,
      );
    }
    // The frame is made with the event: once per block for every live subscriber of the stream.
    const toEvent = (h: HeldBlock): FramedEvent[] => {
      const data = stream.select(h);
      return data === undefined ? [] : [encoder.framed({ id: h.view.header.height, event: stream.event, data })];
    };
    const seam = latest;
    const start = fromHeight === undefined ? seam + 1 : Math.max(fromHeight, lowest);
    function* replay(): Generator<FramedEvent> {
      for (let h = start; h <= seam; h++) {
        const block = held.get(h);
        if (block === undefined)
          throw new AinError(
            'STREAM_GAP',
            `Block ${h} left the node's history while the stream was replaying it (the reader was slower than the chain); resume from a later height.`,
          );
        yield* toEvent(block);
      }
    }
    const live = sharedLive(name, toEvent).pipe(filter((e) => e.id > seam && e.id >= start));
    return { replay: replay(), live };
  }

  return {
    get lowest() {
      return lowest;
    },
    get latest() {
      return latest;
    },
    progress(request, worker, event) {
      if (!closed) progress$.next({ request, worker, event });
    },
    open(name, fromHeight): Observable<FramedEvent> {
      resume(name, fromHeight); // NOT_FOUND and STREAM_GAP at once, not inside the stream
      return defer(() => {
        const { replay, live } = resume(name, fromHeight);
        return concat(from(replay), live);
      });
    },
    resume,
    close() {
      if (closed) return;
      closed = true;
      subscription.unsubscribe();
      progress$.complete();
      // Open streams end with a word, so a stopping node never waits on its readers.
      live$.error(new AinError('SHUTTING_DOWN', 'The node is stopping; reconnect to it (or another) with Last-Event-ID to resume.'));
    },
  };
}
