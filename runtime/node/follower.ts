import { Subject } from 'rxjs';
import { applyBlock, type BlockResult, type Ledger } from '../../actors/index.ts';
import { BlockCutter, decodeOwnTxRecord, type CutterPosition, type EventLog, type LogRecord, type TxRecord } from '../../events/index.ts';
import type { Refusal } from '../../projections/index.ts';
import type { VerifyPool } from '../ingest/index.ts';
import type { BlockStore, BlockView } from './blockStore.ts';
import { checkLogRecords } from './checkRecords.ts';
import { inBatches } from './inBatches.ts';

/** What the node knows of a record it verified and appended, kept until its follower reads it. */
interface OwnRecord {
  readonly hash: string;
  readonly isCut: boolean;
}

// Past this many unread hints the follower is far behind: it checks records itself instead.
const ownRecordsMax = 1_000_000;
const batchRecordsMax = 4096;
const idleHeightsMax = 1024;

export interface FollowerOptions {
  readonly log: EventLog;
  readonly ledger: Ledger;
  /** Where the cutter stands: genesis, or the snapshot the ledger was loaded from. */
  readonly position: CutterPosition;
  readonly blocks: BlockStore;
  /** Checks records this process did not append, on every core (else inline, on this thread). */
  readonly pool?: VerifyPool;
  /**
   * Called when an attestation of a block with txs arrives: a proposer may cut at once, so the
   * block becomes final without waiting for its timer.
   */
  readonly onAttestation?: () => void;
}

export interface Follower {
  readonly cutter: BlockCutter;
  /** Every block, as it is cut and applied. */
  readonly blocks$: Subject<BlockView>;
  /** Hints from ingest: these offsets hold txs this process verified, with these hashes. */
  noteOwn(offsets: readonly number[], appended: readonly OwnRecord[]): void;
  /**
   * An append of records this process verified is in flight. A shared log (Kafka) may hand the
   * follower a record before its append is acknowledged, so before checking a record it has no
   * hint for, the follower waits for the appends in flight then: their hints, not a second verify.
   */
  appending(settled: Promise<unknown>): void;
  /** Offset of the last record fed to the cutter (-1 before the first). */
  readonly seenOffset: number;
  /**
   * Records wait beyond the last block that need a block: anything but cut markers and
   * attestations of blocks that held nothing else (so an idle chain stops cutting).
   */
  readonly hasWork: boolean;
  /** Records of any kind wait beyond the last block. */
  readonly hasPending: boolean;
  /** Resolves when following ends (stopped), rejects when it failed. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

const isChainOnly = (record: TxRecord) => record.tx !== null && (record.tx.op.type === 'cut' || record.tx.op.type === 'attest');

/**
 * Follows the log from the cutter's position, checks records it did not append itself (on the
 * verify pool's threads), feeds them to the block cutter, and applies each block it closes to the
 * ledger, storing and streaming the result.
 */
export function startFollower({ log, ledger, position, blocks, pool, onAttestation }: FollowerOptions): Follower {
  const { chain, shard, proposers, block: limits } = ledger.genesis;
  const verdicts = new Map<number, Refusal | null>();
  let sealed: BlockResult | undefined;
  const cutter = new BlockCutter(
    {
      chain,
      shard,
      maxTxs: limits.maxTxs,
      maxBytes: limits.maxBytes,
      proposers,
      seal: (header, txs) => {
        sealed = applyBlock(ledger, { header, txs, checks: txs.map((t) => verdicts.get(t.offset)) });
        return sealed;
      },
    },
    position,
  );
  const blocks$ = new Subject<BlockView>();
  const own = new Map<number, OwnRecord>();
  const inFlight = new Set<Promise<unknown>>();
  const idleHeights = new Map<number, boolean>();
  const aborter = new AbortController();
  let seenOffset = position.lastOffset;
  let hasWork = false;

  const noteWork = (record: TxRecord) => {
    const op = record.tx?.op;
    if (op?.type === 'attest' && idleHeights.get(op.height) === false) {
      hasWork = true;
      onAttestation?.();
    } else if (!hasWork) hasWork = !isChainOnly(record);
  };

  const feed = (record: TxRecord) => {
    const block = cutter.push(record);
    seenOffset = record.offset;
    if (block === null) {
      noteWork(record);
      return;
    }
    for (const t of block.txs) verdicts.delete(t.offset);
    idleHeights.set(block.header.height, block.txs.every(isChainOnly));
    idleHeights.delete(block.header.height - idleHeightsMax);
    hasWork = false;
    blocks$.next(blocks.add(block, sealed!));
  };

  /** Splits a batch into records this process appended (known good) and ones to check, and checks those. */
  const prepare = async (batch: readonly LogRecord[]) => {
    if (inFlight.size > 0 && batch.some(({ offset }) => !own.has(offset))) await Promise.allSettled([...inFlight]);
    const records: (TxRecord | undefined)[] = [];
    const unchecked: LogRecord[] = [];
    for (const { offset, value } of batch) {
      const hint = own.get(offset);
      if (hint === undefined) {
        records.push(undefined);
        unchecked.push({ offset, value });
      } else {
        own.delete(offset);
        records.push(decodeOwnTxRecord(offset, value, hint.hash, hint.isCut));
      }
    }
    return { records, found: unchecked.length === 0 ? [] : await checkLogRecords(unchecked, chain, shard, pool) };
  };
  const apply = ({ records, found }: Awaited<ReturnType<typeof prepare>>) => {
    let next = 0;
    for (const record of records) {
      if (record !== undefined) {
        verdicts.set(record.offset, null);
        feed(record);
        continue;
      }
      const one = found[next++]!;
      verdicts.set(one.record.offset, one.verdict);
      feed(one.record);
    }
  };
  // Two stages: while one batch is applied, the next is read and checked on the pool's threads
  // (a replay after a restart keeps every core busy). At most two batches are in hand.
  const run = async () => {
    let applying: Promise<void> = Promise.resolve();
    let failure: { error: unknown } | undefined;
    for await (const batch of inBatches(log.follow(position.lastOffset + 1, { signal: aborter.signal }), batchRecordsMax)) {
      const prepared = prepare(batch);
      prepared.catch(() => undefined); // awaited, in order, by apply
      await applying;
      if (failure !== undefined) break;
      applying = prepared.then(apply).catch((error: unknown) => {
        failure = { error };
        aborter.abort(); // ends the follow, so the loop sees the failure even when the log is quiet
      });
    }
    await applying;
    if (failure !== undefined) throw failure.error;
  };
  const done = run();
  return {
    cutter,
    blocks$,
    done,
    get seenOffset() {
      return seenOffset;
    },
    get hasWork() {
      return hasWork;
    },
    get hasPending() {
      return cutter.pendingCount > 0;
    },
    appending(settled) {
      const entry: Promise<void> = settled.then(
        () => void inFlight.delete(entry),
        () => void inFlight.delete(entry),
      );
      inFlight.add(entry);
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
