import type { EventLog } from '../../log/index.ts';
import { AinError } from '../../schemas/index.ts';
import type { VerifyPool } from './verifyPool.ts';
import type { TxSender } from './verifyChunk.ts';

/** What a submitted tx came to: where it is in the log, or why it was refused. */
export type SubmitResult = { readonly hash: string; readonly offset: number } | { readonly code: string; readonly message: string };

export interface IngestOptions {
  readonly log: EventLog;
  readonly pool: VerifyPool;
  /** How many recent tx hashes to remember, so a retried tx gets its first offset back. */
  readonly recentTxsMax?: number;
  /** Most txs merged into one round of verifying and appending. */
  readonly roundTxsMax?: number;
  /** Most txs waiting for a round; past it submissions are refused with OVERLOADED. */
  readonly waitingTxsMax?: number;
  /**
   * Where appends are proven: told of every append as it starts and of the records it wrote, so
   * the node need not check them again; an append is acknowledged only once the records were read
   * back at their offsets (the node's follower).
   */
  readonly readBack?: ReadBack;
  /** Told what each submission came to (txs appended, codes of those refused), for the node's metrics. */
  readonly onSubmitted?: (appended: number, refused: readonly string[]) => void;
  /**
   * Asked of each checked tx not appended before whether it may be (a mempool's bounds and
   * policy); every tx is appended when absent.
   */
  readonly admission?: Admission;
}

/** A checked tx as admission sees it: its hash and the record that would be appended. */
export interface AdmitTx {
  readonly hash: string;
  readonly record: Uint8Array;
  readonly isCut: boolean;
  /** Its signer, nonce and op type, when the check gave them (the verify pool does). */
  readonly sender?: TxSender;
}

/** Append the tx; refuse it with a code and a sentence; or answer the offset where it is already durable. */
export type AdmitDecision = 'append' | { readonly code: string; readonly message: string } | { readonly offset: number };

/** What decides, just before an append, which checked txs go in (runtime/mempool). */
export interface Admission {
  /** Called once per tx, in order, synchronously: an 'append' holds room for the tx until it is noted or released. */
  admit(tx: AdmitTx): AdmitDecision;
  /** The append of these admitted txs failed: the room held for them is free again. */
  release(hashes: readonly string[]): void;
}

/** A record this process verified and appended, as its follower compares it when read back. */
export interface OwnRecord {
  readonly hash: string;
  readonly isCut: boolean;
  /** The bytes appended: a record read back equal to them needs no second check. */
  readonly value: Uint8Array;
  /** SHA-256 of `value` (hex), when the appender has it: the record's ref, not hashed again. */
  readonly ref?: string;
}

/** The node's follower as an appender sees it (runtime/node/follower.ts). */
export interface ReadBack {
  /** The log took these records at these offsets: settles once each was read back there (rejects when the log holds another). */
  noteOwn(offsets: readonly number[], appended: readonly OwnRecord[]): Promise<void> | void;
  /** An append is in flight: `settled` settles after `noteOwn` was called for it (or the append failed). */
  appending(settled: Promise<unknown>): void;
}

export interface Ingest {
  /**
   * Checks txs, each given as its JSON text (as it arrived, or `JSON.stringify(tx)`), on the
   * pool and appends the valid ones, in order; resolves once they are durable.
   * Rejects (having acknowledged nothing) only when the log fails or the node is overloaded.
   */
  submit(texts: readonly string[]): Promise<SubmitResult[]>;
  /** Submissions not answered yet: a node whose stop hangs says so. */
  readonly inFlight: number;
}

/** One append to the log, which later retries of its txs may wait on. */
class Appending {
  #offsets: number[] | undefined;
  #settled: Promise<number[]> | undefined;
  #settle: { resolve: (offsets: number[]) => void; reject: (error: unknown) => void } | undefined;

  succeed(offsets: number[]): void {
    this.#offsets = offsets;
    this.#settle?.resolve(offsets);
  }

  fail(error: unknown): void {
    if (this.#settle !== undefined) return this.#settle.reject(error);
    this.#settled = Promise.reject(error);
    this.#settled.catch(() => undefined); // nobody may be waiting; those who come later still see it
  }

  /** The offset of the slot-th record, once the append is durable. */
  async offsetOf(slot: number): Promise<number> {
    if (this.#offsets !== undefined) return this.#offsets[slot]!;
    this.#settled ??= new Promise((resolve, reject) => (this.#settle = { resolve, reject }));
    return (await this.#settled)[slot]!;
  }
}

interface Waiting {
  readonly txs: readonly string[];
  readonly resolve: (results: SubmitResult[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The boundary every tx crosses into the log. Submissions that arrive in the same turn of the
 * event loop share one round: one call to the verify pool and one append, as group commit
 * shares an fsync, so a stream of single txs costs little more than a batch. A tx submitted
 * again while the node remembers it is not appended twice: the retry gets the first offset.
 */
export function createIngest({
  log,
  pool,
  recentTxsMax = 100_000,
  roundTxsMax = 10_000,
  waitingTxsMax = 100_000,
  readBack,
  onSubmitted,
  admission,
}: IngestOptions): Ingest {
  // Recent hashes point at the append that wrote them: one small entry per tx, no promise each.
  // Two generations: when the young one is full it becomes the old one and the old one is
  // dropped, so between recentTxsMax and twice that are remembered, with no eviction per tx.
  let recent = new Map<string, { readonly append: Appending; readonly slot: number }>();
  let older = new Map<string, { readonly append: Appending; readonly slot: number }>();
  const waiting: Waiting[] = [];
  let waitingTxs = 0;
  let scheduled = false;

  const remember = (hash: string, append: Appending, slot: number) => {
    if (recent.size >= recentTxsMax) {
      older = recent;
      recent = new Map();
    }
    recent.set(hash, { append, slot });
  };
  const recall = (hash: string) => recent.get(hash) ?? older.get(hash);
  const forget = (hash: string) => recent.delete(hash) || older.delete(hash);

  // Rounds verify side by side, but each admits and starts its append only after the round taken
  // before it did: a sender's txs that arrived in order (a client's pipeline, a peer's gossip) are
  // admitted, appended and offered to blocks in that order, whichever chunk the pool finished first.
  let turn: Promise<void> = Promise.resolve();

  async function checkAndAppend(txs: readonly string[]): Promise<SubmitResult[]> {
    const before = turn;
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    turn = before.then(() => mine);
    try {
      const checked = await pool.verify(txs);
      await before;
      return await admitAndAppend(checked, done);
    } finally {
      done();
    }
  }

  /** Admits the checked txs and appends the fresh ones; calls `started` once the append is under way. */
  async function admitAndAppend(checked: Awaited<ReturnType<VerifyPool['verify']>>, started: () => void): Promise<SubmitResult[]> {
    const results: SubmitResult[] = [];
    const records: Uint8Array[] = [];
    const fresh: { index: number; hash: string; isCut: boolean; value: Uint8Array }[] = [];
    const retries: { index: number; hash: string; append: Appending; slot: number }[] = [];
    const append = new Appending();
    for (const [index, c] of checked.entries()) {
      if (!('hash' in c)) {
        results.push(c);
        continue;
      }
      const earlier = recall(c.hash);
      if (earlier !== undefined) {
        retries.push({ index, hash: c.hash, ...earlier });
        results.push({ hash: c.hash, offset: -1 });
        continue;
      }
      const decision = admission?.admit(c) ?? 'append';
      if (decision !== 'append') {
        results.push('code' in decision ? decision : { hash: c.hash, offset: decision.offset });
        continue;
      }
      remember(c.hash, append, records.length);
      records.push(c.record);
      fresh.push({ index, hash: c.hash, isCut: c.isCut, value: c.record });
      results.push({ hash: c.hash, offset: -1 });
    }
    if (records.length > 0) {
      let offsets: number[];
      try {
        let readingBack: Promise<void> | void = undefined;
        const appended = log.append(records).then((written) => {
          readingBack = readBack?.noteOwn(written, fresh);
          return written;
        });
        readBack?.appending(appended);
        started();
        offsets = await appended;
        await readingBack;
      } catch (error) {
        for (const { hash } of fresh) forget(hash);
        admission?.release(fresh.map(({ hash }) => hash));
        append.fail(error);
        throw error;
      }
      append.succeed(offsets);
      for (const [slot, { index, hash }] of fresh.entries()) results[index] = { hash, offset: offsets[slot]! };
    }
    // A retry answers for its own tx only: if the append it waits on failed, only it is refused.
    for (const { index, hash, append: earlier, slot } of retries) {
      try {
        results[index] = { hash, offset: await earlier.offsetOf(slot) };
      } catch (error) {
        const refusal = error instanceof AinError ? error : new AinError('LOG_IO', 'The append this tx was part of failed.', { cause: error });
        results[index] = { code: refusal.code, message: `${refusal.message} Submit the tx again.` };
      }
    }
    return results;
  }

  async function runRound(): Promise<void> {
    scheduled = false;
    const round: Waiting[] = [];
    let roundTxs = 0;
    while (waiting.length > 0 && (round.length === 0 || roundTxs + waiting[0]!.txs.length <= roundTxsMax)) {
      const next = waiting.shift()!;
      waitingTxs -= next.txs.length;
      round.push(next);
      roundTxs += next.txs.length;
    }
    if (waiting.length > 0) schedule();
    try {
      const results = await checkAndAppend(round.length === 1 ? round[0]!.txs : round.flatMap((w) => w.txs));
      let at = 0;
      for (const w of round) {
        w.resolve(results.slice(at, at + w.txs.length));
        at += w.txs.length;
      }
    } catch (error) {
      for (const w of round) w.reject(error);
    }
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void runRound());
  }

  let inFlight = 0;
  const counted = async (results: Promise<SubmitResult[]>): Promise<SubmitResult[]> => {
    inFlight++;
    try {
      const done = await results;
      onSubmitted?.(
        done.filter((r) => 'offset' in r).length,
        done.flatMap((r) => ('code' in r ? [r.code] : [])),
      );
      return done;
    } finally {
      inFlight--;
    }
  };
  return {
    submit(txs) {
      if (txs.length === 0) return Promise.resolve([]);
      if (waitingTxs + txs.length > waitingTxsMax) {
        return Promise.reject(new AinError('OVERLOADED', `The node has ${waitingTxs} txs waiting to be checked; retry in a moment.`));
      }
      return counted(
        new Promise((resolve, reject) => {
          waiting.push({ txs, resolve, reject });
          waitingTxs += txs.length;
          schedule();
        }),
      );
    },
    get inFlight() {
      return inFlight;
    },
  };
}
