import { Subject } from 'rxjs';
import { BlockCutter, decodeOwnTxRecord, decodeTxRecord, type BlockCutterOptions, type EventLog } from '../../events/index.ts';
import type { BlockStore, BlockView } from './blockStore.ts';

/** What the node knows of a record it verified and appended, kept until its follower reads it. */
interface OwnRecord {
  readonly hash: string;
  readonly isCut: boolean;
}

// Past this many unread hints the follower is far behind: it hashes records itself instead.
const ownRecordsMax = 1_000_000;

export interface Follower {
  readonly cutter: BlockCutter;
  /** Every block, as it is cut. */
  readonly blocks$: Subject<BlockView>;
  /** Hints from ingest: these offsets hold txs this process verified, with these hashes. */
  noteOwn(offsets: readonly number[], appended: readonly OwnRecord[]): void;
  /** Offset of the last record fed to the cutter (-1 before the first). */
  readonly seenOffset: number;
  /** Resolves when following ends (stopped), rejects when it failed. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Follows the log from the start and feeds every record to the block cutter, storing and
 * streaming each block it closes. Records this node appended itself are not decoded again.
 */
export function startFollower(log: EventLog, cutterOptions: BlockCutterOptions, blocks: BlockStore): Follower {
  const cutter = new BlockCutter(cutterOptions);
  const blocks$ = new Subject<BlockView>();
  const own = new Map<number, OwnRecord>();
  const aborter = new AbortController();
  let seenOffset = -1;
  const run = async () => {
    for await (const { offset, value } of log.follow(0, { signal: aborter.signal })) {
      const hint = own.get(offset);
      if (hint !== undefined) own.delete(offset);
      const record = hint === undefined ? decodeTxRecord(offset, value) : decodeOwnTxRecord(offset, value, hint.hash, hint.isCut);
      const block = cutter.push(record);
      seenOffset = offset;
      if (block !== null) blocks$.next(blocks.add(block));
    }
  };
  const done = run();
  return {
    cutter,
    blocks$,
    done,
    get seenOffset() {
      return seenOffset;
    },
    noteOwn(offsets, appended) {
      if (own.size > ownRecordsMax) return;
      for (const [i, offset] of offsets.entries()) own.set(offset, appended[i]!);
    },
    async stop() {
      aborter.abort();
      await done.catch(() => undefined);
      blocks$.complete();
    },
  };
}
