import { concat, defer, filter, finalize, map, of, share, type Observable } from 'rxjs';
import type { StateTree } from '../../projections/index.ts';
import { AinError } from '../../schemas/index.ts';
import type { FramedEvent } from './frameEncoder.ts';

/** Makes the event of a value at a height, or the error a subscriber gets instead (RESULT_TOO_LARGE). */
export type BuildValueEvent = (height: number) => FramedEvent | AinError;

export interface ValueStreamsOptions {
  /** One emission per applied block, once the tree holds it. */
  readonly blocks$: Observable<unknown>;
  readonly tree: StateTree;
  /** The height of the latest applied block. */
  readonly latest: () => number;
}

export interface ValueStreams {
  /**
   * The value at `path`: its event now, then again at each block that changes it (by its Merkle
   * hash). Throws at once what the first event would be refused with.
   */
  open(key: string, path: string, build: BuildValueEvent): Observable<FramedEvent>;
}

/** One followed value: built once per block that changes it, for every subscriber of the key. */
interface ValueSource {
  current(): FramedEvent;
  readonly changes: Observable<FramedEvent>;
}

/**
 * Value streams shared by key (the stream's name): one source per key while it has subscribers
 * compares the value's hash once per block and builds a changed value's event once, so every
 * subscriber gets the same event object (and so the same frame bytes).
 */
export function createValueStreams({ blocks$, tree, latest }: ValueStreamsOptions): ValueStreams {
  const sources = new Map<string, ValueSource>();

  function createSource(key: string, path: string, build: BuildValueEvent): ValueSource {
    // The last event built, reused while neither the height nor the value moved.
    let last: { height: number; hash: string | null; event: FramedEvent | AinError } | undefined;
    const current = (): FramedEvent => {
      const height = latest();
      const hash = tree.valueHash(path);
      if (last === undefined || last.height !== height || last.hash !== hash) last = { height, hash, event: build(height) };
      if (last.event instanceof AinError) throw last.event;
      return last.event;
    };
    const source: ValueSource = {
      current,
      changes: defer(() => {
        if (!sources.has(key)) sources.set(key, source);
        let seen = tree.valueHash(path);
        return blocks$.pipe(
          filter(() => {
            const hash = tree.valueHash(path);
            if (hash === seen) return false;
            seen = hash;
            return true;
          }),
          map(() => current()),
        );
      }).pipe(
        finalize(() => {
          if (sources.get(key) === source) sources.delete(key);
        }),
        share(),
      ),
    };
    return source;
  }

  return {
    open(key, path, build) {
      let source = sources.get(key);
      if (source === undefined) {
        source = createSource(key, path, build);
        source.current(); // INVALID_PATH, RESULT_TOO_LARGE: before it is listed
        // Listed from its first open until its last subscriber leaves, so later ones join it.
        sources.set(key, source);
      } else source.current();
      const opened = source;
      return defer(() => concat(of(opened.current()), opened.changes));
    },
  };
}
