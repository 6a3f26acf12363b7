import { Subject } from 'rxjs';
import type { Chain } from '../../actors/index.ts';
import { checkedRecordOf, decodeTxRecord, type CheckedRecord, type EventLog, type LogRecord } from '../../log/index.ts';
import { AinError } from '../../schemas/index.ts';
import type { OwnRecord, ReadBack, VerifyPool } from '../ingest/index.ts';
import type { StreamBlock } from '../streams/index.ts';
import type { BlockStore, BlockView } from './blockStore.ts';
import type { Service } from './lifecycle.ts';
import { checkLogRecords } from './checkRecords.ts';
import { createPendingWork } from './pendingWork.ts';

/** An append whose records the follower has yet to read back. */
interface PendingAck {
  remaining: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface Hint {
  readonly hash: string;
  readonly isCut: boolean;
  /** Dropped past ownBytesMax of unread hints: the record is then checked, and its hash compared. */
  readonly value: Uint8Array | null;
  /** The appender's SHA-256 of the bytes, when it had it. */
  readonly ref?: string;
  readonly ack: PendingAck;
}

// Past this many bytes of unread hints the follower is far behind: it checks records itself instead of comparing bytes.
const ownBytesMax = 256 * 1024 * 1024;
// Hashes of the last records read, for hints that arrive after their record.
const checkedHashesMax = 65_536;

/**
 * The hashes of the records at the last `size` offsets read: slot `offset % size`, kept with its
 * offset. A Map evicting its oldest key (`keys().next()`) costs more the longer it has evicted:
 * V8 skips the deleted entries at its front on each call until it rehashes (8 µs an eviction
 * at 65,536 entries here, against 0.2 at 1,024), paid for every record once the node had read as many.
 */
class RecentHashes {
  readonly #offsets: Float64Array;
  readonly #hashes: (string | undefined)[];
  constructor(readonly size: number) {
    this.#offsets = new Float64Array(size).fill(-1);
    this.#hashes = new Array<string | undefined>(size);
  }

  set(offset: number, hash: string): void {
    const slot = offset % this.size;
    this.#offsets[slot] = offset;
    this.#hashes[slot] = hash;
  }

  get(offset: number): string | undefined {
    const slot = offset % this.size;
    return this.#offsets[slot] === offset ? this.#hashes[slot] : undefined;
  }
}

export interface FollowerOptions {
  readonly log: EventLog;
  /** The chain to feed: from genesis, or from the snapshot it was loaded from; followed from its position. */
  readonly chain: Chain;
  readonly blocks: BlockStore;
  /** Checks records this process did not append, on every core (else inline, on this thread). */
  readonly pool?: VerifyPool;
}

/** A block's txs, by hash, and who signed them. */
export interface IncludedTxs {
  readonly hashes: readonly string[];
  readonly senders: ReadonlySet<string>;
}

export interface Follower extends Service, ReadBack {
  readonly chain: Chain;
  /** Every block, as it is cut and applied. */
  readonly blocks$: Subject<BlockView>;
  /** The same blocks, each with what it changed in the read models, just before `blocks$` has it: what the streams serve. */
  readonly applied$: Subject<StreamBlock>;
  /**
   * The same blocks' txs (hashes) and their senders, just before `blocks$` has them: a block moves
   * only its senders' nonces, so a mempool looks only at theirs for what the block made stale.
   */
  readonly included$: Subject<IncludedTxs>;
  /**
   * The attestations waiting complete the quorum of a block with txs: a proposer may cut at once,
   * so the block becomes final without waiting for its timer (PendingWork.quorum$).
   */
  readonly quorum$: Subject<void>;
  /** Whether block `height` held txs besides cut markers and attestations (PendingWork.holdsWork): its finality is waited for. */
  holdsWork(height: number): boolean | undefined;
  /**
   * The log acknowledged these records of this process's at these offsets. Resolves once the
   * follower has read each offset back and found that record there; rejects (and following
   * fails, LOG_DIVERGED) when an offset holds another. Only then is an append acknowledged.
   */
  noteOwn(offsets: readonly number[], appended: readonly OwnRecord[]): Promise<void>;
  /**
   * An append of records this process verified is in flight. A shared log (Kafka) may hand the
   * follower a record before its append is acknowledged, so before checking a record it has no
   * hint for, the follower waits for the appends in flight then: their hints, not a second verify.
   */
  appending(settled: Promise<unknown>): void;
  /** Offset of the last record pushed into the chain (-1 before the first). */
  readonly seenOffset: number;
  /** Acknowledged records of this process not read back yet, and the last offset read. */
  readonly readBack: { readonly waiting: number; readonly late: number; readonly readUpTo: number };
  /**
   * Records wait beyond the last block that need a block: anything but cut markers and
   * attestations of blocks that held nothing else (so an idle chain stops cutting).
   */
  readonly hasWork: boolean;
  /** Records of any kind wait beyond the last block. */
  readonly hasPending: boolean;
  /** Resolves when following ends (stopped), rejects when it failed. */
  readonly done: Promise<void>;
  /** Begins reading the log: subscribe to the streams above first, so no block passes unseen. */
  start(): void;
  /** Stops reading and completes the streams above. */
  stop(): Promise<void>;
}

/**
 * Follows the log from the chain's position, once started: checks records it did not append
 * itself (on the verify pool's threads), pushes them into the chain, and stores and streams each
 * block it cuts.
 */
export function createFollower({ log, chain, blocks, pool }: FollowerOptions): Follower {
  const position = chain.position;
  const blocks$ = new Subject<BlockView>();
  const applied$ = new Subject<StreamBlock>();
  const included$ = new Subject<IncludedTxs>();
  const work = createPendingWork(chain);
  const own = new Map<number, Hint>();
  let ownBytes = 0;
  // Offsets up to here were taken without a hint or with one: a hint for one of them comes late,
  // and is settled against the hash the record was checked with (kept for the last few).
  let classifiedUpTo = position.lastOffset;
  const checkedHashes = new RecentHashes(checkedHashesMax);
  const lateHints = new Map<number, Hint>();
  let classifying: Promise<unknown> = Promise.resolve();
  const inFlight = new Set<Promise<unknown>>();
  const aborter = new AbortController();
  let seenOffset = position.lastOffset;

  const feed = (checked: CheckedRecord) => {
    const step = chain.push(checked);
    seenOffset = checked.record.offset;
    if (step === null) {
      work.note(checked.record);
      return;
    }
    const { block } = step;
    work.cut(block);
    const view = blocks.add(block, step.result);
    applied$.next({ view, readModels: step.readModels, consensus: step.result.consensus, shardEvents: step.result.shardEvents });
    if (included$.observed) {
      const senders = new Set<string>();
      for (const { tx } of block.txs) if (tx !== null) senders.add(tx.from);
      included$.next({ hashes: block.txs.map((record) => record.hash), senders });
    }
    blocks$.next(view);
  };

  const diverged = (offset: number, acknowledged: string, found: string): AinError =>
    new AinError(
      'LOG_DIVERGED',
      `The log acknowledged tx ${acknowledged} at offset ${offset}, but offset ${offset} holds ${found}. The log lost an acknowledged write; this node stops rather than fork from its log.`,
      { details: { offset, acknowledged, found } },
    );
  const settle = (offset: number, hint: Hint) => {
    own.delete(offset);
    checkedHashes.set(offset, hint.hash);
    if (hint.value !== null) ownBytes -= hint.value.byteLength;
    if (--hint.ack.remaining === 0) hint.ack.resolve();
  };

  /**
   * Splits a batch into records this process appended (read back as appended: known good) and
   * ones to check, and checks those. Batches are split in log order, one after another.
   */
  const prepare = async (batch: readonly LogRecord[]) => {
    const previous = classifying;
    let done!: () => void;
    classifying = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      if (inFlight.size > 0 && batch.some(({ offset }) => !own.has(offset))) await Promise.allSettled([...inFlight]);
      const records: (CheckedRecord | undefined)[] = [];
      const unchecked: LogRecord[] = [];
      const compare: { slot: number; offset: number; hint: Hint }[] = [];
      for (const { offset, value } of batch) {
        const hint = own.get(offset);
        if (hint !== undefined && hint.value !== null) {
          if (!Buffer.from(value.buffer, value.byteOffset, value.byteLength).equals(hint.value)) {
            throw diverged(offset, hint.hash, decodeTxRecord(offset, value).hash);
          }
          settle(offset, hint);
          records.push(
            checkedRecordOf(offset, value, { hash: hint.hash, isCut: hint.isCut, verdict: null, ...(hint.ref === undefined ? {} : { ref: hint.ref }) }),
          );
          continue;
        }
        if (hint !== undefined) compare.push({ slot: unchecked.length, offset, hint });
        records.push(undefined);
        unchecked.push({ offset, value });
      }
      classifiedUpTo = Math.max(classifiedUpTo, batch[batch.length - 1]?.offset ?? classifiedUpTo);
      done();
      const found = unchecked.length === 0 ? [] : await checkLogRecords(unchecked, chain.genesis, pool);
      for (const { slot, offset, hint } of compare) {
        if (found[slot]!.record.hash !== hint.hash) throw diverged(offset, hint.hash, found[slot]!.record.hash);
        settle(offset, hint);
      }
      for (const { record } of found) {
        const late = lateHints.get(record.offset);
        if (late === undefined) checkedHashes.set(record.offset, record.hash);
        else {
          lateHints.delete(record.offset);
          if (record.hash !== late.hash) throw diverged(record.offset, late.hash, record.hash);
          if (--late.ack.remaining === 0) late.ack.resolve();
        }
      }
      return { records, found };
    } finally {
      done();
    }
  };
  const apply = ({ records, found }: Awaited<ReturnType<typeof prepare>>) => {
    let next = 0;
    for (const checked of records) feed(checked ?? found[next++]!);
  };
  // Two stages: while one batch is applied, the next is read and checked on the pool's threads
  // (a replay after a restart keeps every core busy). At most two batches are in hand.
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
    aborter.abort(); // ends the follow, so the loop sees the failure even when the log is quiet
  };
  const run = async () => {
    let applying: Promise<void> = Promise.resolve();
    for await (const batch of log.follow(position.lastOffset + 1, { signal: aborter.signal })) {
      const prepared = prepare(batch);
      prepared.catch(() => undefined); // awaited, in order, by apply
      await applying;
      if (failure !== undefined) break;
      applying = prepared.then(apply).catch(fail);
    }
    await applying;
    if (failure !== undefined) throw failure.error;
  };
  /** Appends not yet read back are not acknowledged: they fail with following. */
  const failPending = (error: unknown) => {
    for (const hint of [...own.values(), ...lateHints.values()]) hint.ack.reject(error);
    own.clear();
    lateHints.clear();
    ownBytes = 0;
  };
  let ended!: { resolve: () => void; reject: (error: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (ended = { resolve, reject }));
  done.catch(() => undefined); // a failure is the caller's to see through `done`, not an unhandled rejection
  const closed = () => {
    failPending(new AinError('LOG_CLOSED', 'The node stopped before it read this append back; it may or may not be in the log.'));
    ended.resolve();
  };
  let started = false;
  return {
    chain,
    blocks$,
    applied$,
    included$,
    quorum$: work.quorum$,
    holdsWork: (height) => work.holdsWork(height),
    done,
    start() {
      if (started) return;
      started = true;
      run().then(closed, (error: unknown) => {
        failPending(error);
        ended.reject(error);
      });
    },
    get seenOffset() {
      return seenOffset;
    },
    get hasWork() {
      return work.hasWork;
    },
    get readBack() {
      return { waiting: own.size, late: lateHints.size, readUpTo: classifiedUpTo };
    },
    get hasPending() {
      return chain.pendingCount > 0;
    },
    appending(settled) {
      const entry: Promise<void> = settled.then(
        () => void inFlight.delete(entry),
        () => void inFlight.delete(entry),
      );
      inFlight.add(entry);
    },
    noteOwn(offsets, appended) {
      return new Promise<void>((resolve, reject) => {
        const ack: PendingAck = { remaining: offsets.length, resolve, reject };
        if (offsets.length === 0) return resolve();
        if (failure !== undefined) return reject(failure.error);
        for (const [i, offset] of offsets.entries()) {
          const { hash, isCut, value, ref } = appended[i]!;
          if (offset <= classifiedUpTo) {
            // Read before the log acknowledged it: settled against the hash it was checked with.
            const checked = checkedHashes.get(offset);
            if (checked === hash && --ack.remaining === 0) resolve();
            if (checked === hash) continue;
            if (checked !== undefined || lateHints.has(offset) || offset <= classifiedUpTo - checkedHashesMax) {
              const error = diverged(offset, hash, checked ?? 'a record read long before this append was acknowledged');
              fail(error);
              return reject(error);
            }
            lateHints.set(offset, { hash, isCut, value: null, ack }); // read, still being checked
            continue;
          }
          const keep = ownBytes + value.byteLength <= ownBytesMax;
          if (keep) ownBytes += value.byteLength;
          own.set(offset, { hash, isCut, value: keep ? value : null, ...(ref === undefined ? {} : { ref }), ack });
        }
      });
    },
    async stop() {
      aborter.abort();
      if (!started) closed();
      started = true;
      await done.catch(() => undefined);
      work.complete();
      applied$.complete();
      included$.complete();
      blocks$.complete();
    },
  };
}
