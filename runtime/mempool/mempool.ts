import type { Logger } from 'pino';
import { Subject, type Observable } from 'rxjs';
import { decodeTxRecord, type EventLog } from '../../log/index.ts';
import { AinError, type FsyncPolicy, type MempoolConfig, type Refusal } from '../../schemas/index.ts';
import {
  createIngest,
  type Admission,
  type AdmitDecision,
  type Ingest,
  type IngestOptions,
  type ReadBack,
  type TxSender,
  type VerifyPool,
} from '../ingest/index.ts';
import { Journal } from './journal.ts';
import { PendingTxs, type PendingTx } from './pendingTxs.ts';

/** Ops a user may not submit to a peer-to-peer network: its consensus makes them (evidence is gossiped among validators). */
export const consensusOps: readonly string[] = ['cut', 'attest', 'commit', 'evidence'];

export interface MempoolOptions {
  /** The journal's directory: `<dataDir>/mempool`. */
  readonly dir: string;
  /** Checks every tx, local or a peer's, as `POST /v1/tx` does. */
  readonly pool: VerifyPool;
  readonly limits: Pick<MempoolConfig, 'maxTxs' | 'maxBytes' | 'maxTxsPerSender'>;
  /** The ledger's last nonce of an address (0 before its first tx): a tx at or below it is spent. */
  readonly ledgerNonce: (address: string) => number;
  /**
   * Where a tx is in the node's log, when a block it holds includes it: a tx sent again to this
   * node's API after it landed (a client retrying after a lost answer) is answered with that
   * offset, as one held is, not refused BAD_NONCE as if it had not landed (a peer's gossip of it
   * still is, and goes no further). Default: never found.
   */
  readonly landedAt?: (hash: string) => number | undefined;
  /**
   * The sender's bandwidth (runtime/ingest/bandwidthGate.ts): a refusal when its budget has no
   * room for the tx beside `queued` txs of it the mempool holds; default none.
   */
  readonly bandwidth?: (tx: { readonly sender: TxSender; readonly record: Uint8Array }, queued: number) => Refusal | undefined;
  /** Op types refused with CONSENSUS_OP; default `consensusOps`. */
  readonly refusedOps?: readonly string[];
  /** The journal rotates once this many bytes were appended to it; default twice `limits.maxBytes`. */
  readonly journalBytesMax?: number;
  readonly fsync?: FsyncPolicy;
  /** Largest record the journal takes; default the file log's (1 MiB). */
  readonly maxRecordBytes?: number;
  readonly logger?: Logger;
  /** The node's metrics: what the local ingest took and refused, and what the peers' ingest refused. */
  readonly onSubmitted?: IngestOptions['onSubmitted'];
  /** How long a tx whose nonce leaves a gap waits for it to fill before a block may take it (see GapWait); default 0. */
  readonly gapWaitMs?: number;
  /** The node's clock, for `gapWaitMs`; default Date.now. */
  readonly now?: () => number;
}

/** Where a tx came from: this node's API, or a peer's gossip (which gossipsub already forwards). */
export type TxOrigin = 'local' | 'peer';

/** Txs newly held. */
export interface AddedTxs {
  readonly origin: TxOrigin;
  readonly txs: readonly PendingTx[];
}

export interface TakeOptions {
  readonly maxTxs: number;
  readonly maxBytes: number;
  /** The ledger's last nonce of an address as of the block being made; default the mempool's `ledgerNonce`. */
  readonly nonceOf?: (address: string) => number;
}

/** A held tx the ledger's nonces passed before any block took it: it can no longer land. */
export interface DroppedTx {
  readonly hash: string;
  readonly from: string;
  readonly nonce: number;
  /** Its sender's nonce in the ledger when it went. */
  readonly spent: number;
  /**
   * Found spent as the journal was replayed (the node was down when it went): in a block, or
   * made stale by one, which the mempool cannot tell; only a block history that lacked no height up to the start can
   * (it is stale if no block there holds it).
   */
  readonly atReplay?: true;
}

/** Dropped txs kept for `Mempool.dropped`, at most. */
export const droppedTxsMax = 10_000;

/** A tx a block included: dropped from the mempool with every tx of its sender at or below its nonce. */
export interface IncludedTx {
  readonly hash: string;
  readonly from: string;
  readonly nonce: number;
}

export interface Mempool {
  /** The boundary of `POST /v1/tx` in a peer-to-peer node: checks, journals and holds txs. */
  readonly ingest: Ingest;
  /** The same boundary for txs a peer gossiped; what it takes in is not gossiped again at once. */
  readonly peerIngest: Ingest;
  /** Txs newly held, by origin. */
  readonly added$: Observable<AddedTxs>;
  /** Txs for a block (see PendingTxs.take); the mempool keeps them until `committed`. */
  take(options: TakeOptions): PendingTx[];
  /** Whether `take` would give a tx now (a tx after a nonce gap waits `gapWaitMs` first). */
  hasReady(): boolean;
  /** A decided block included these: they go, and what they made stale (see `dropped`). Returns how many went. */
  committed(txs: readonly IncludedTx[]): number;
  /**
   * Drops every tx the ledger has spent (nonce at or below its sender's `ledgerNonce`): call it
   * after each block the ledger applied, with the hashes of the block's txs (the others that go
   * were made stale by it: see `dropped`) and their senders: a block moves no other sender's
   * nonce, so only theirs are looked at (every sender's when `senders` is absent). Returns how many went.
   */
  prune(included?: Iterable<string>, senders?: Iterable<string>): number;
  /**
   * A tx this mempool held (acknowledged) and dropped without its block: its sender's nonce in
   * the ledger passed it first (a later nonce went into a block). Its hash may yet be in a block
   * (its append ended after a block with it spent its nonce): look there first. The last
   * `droppedTxsMax` are kept; what the journal's replay finds spent is kept too, marked `atReplay`
   * (in a block, or stale: it cannot tell).
   */
  dropped(hash: string): DroppedTx | undefined;
  /** Whether a tx with this hash is held (or being journaled). */
  has(hash: string): boolean;
  /** The record of a held tx: its canonical JSON, checked (signature included) when it came in. */
  recordOf(hash: string): Uint8Array | undefined;
  /** The held tx whose record's SHA-256 (hex) is `ref`: a compact proposal names records so. */
  byRef(ref: string): PendingTx | undefined;
  /** Held txs, in order of arrival. */
  pending(): IterableIterator<PendingTx>;
  readonly stats: { readonly txs: number; readonly bytes: number; readonly journalBytes: number };
  /** Waits for a journal rotation under way, then closes the journal. Stop the ingests' callers first. */
  close(): Promise<void>;
}

/** What admission reads of a checked record (its JSON passed the verify pool's schema). */
function senderOf(record: Uint8Array): { from: string; nonce: number; type: string } {
  const tx = JSON.parse(Buffer.from(record.buffer, record.byteOffset, record.byteLength).toString('utf8')) as {
    from: string;
    nonce: number;
    op: { type: string };
  };
  return { from: tx.from, nonce: tx.nonce, type: tx.op.type };
}

/**
 * What the mempool lets into its journal: not an op consensus makes, not a spent nonce, not past
 * its sender's bandwidth, and only within the bounds (room held while the append is in flight); a tx held already is answered
 * where it is.
 */
function admissionOf(
  pending: PendingTxs,
  refusedOps: ReadonlySet<string>,
  ledgerNonce: (address: string) => number,
  landedAt: (hash: string) => number | undefined,
  now: () => number,
  origin: TxOrigin,
  bandwidth: MempoolOptions['bandwidth'],
): Admission {
  return {
    admit(tx): AdmitDecision {
      const held = pending.get(tx.hash);
      if (held !== undefined) return { offset: held.offset };
      const sender = tx.sender ?? senderOf(tx.record);
      const { from, nonce, type } = sender;
      if (refusedOps.has(type)) {
        return { code: 'CONSENSUS_OP', message: `A ${type} op is made by the network's consensus; users may not submit one to a peer-to-peer network.` };
      }
      const spent = ledgerNonce(from);
      if (nonce <= spent) {
        // A client's retry, on this node's API only: a peer gossiping old txs gets them refused at the first hop, not forwarded.
        const landed = origin === 'local' ? landedAt(tx.hash) : undefined;
        if (landed !== undefined) return { offset: landed };
        return {
          code: 'BAD_NONCE',
          message: `Nonce ${nonce} of ${from} is not above its last nonce ${spent} in the ledger; sign with a larger nonce, unless this very tx landed in a block this node's history lacks (GET /v1/tx/${tx.hash} on another node says).`,
        };
      }
      const overBudget = bandwidth?.({ sender, record: tx.record }, pending.heldBy(from));
      if (overBudget !== undefined) return overBudget;
      return (
        pending.reserve({ hash: tx.hash, from, nonce, type, bytes: tx.record.byteLength }, { nowMs: now(), spent, fromPeer: origin === 'peer' }) ?? 'append'
      );
    },
    release(hashes) {
      for (const hash of hashes) pending.release(hash);
    },
  };
}

/**
 * Opens the mempool of a peer-to-peer node in `dir`: replays its journal (dropping what the
 * ledger has spent) and returns the two ingests that feed it. A tx is acknowledged once it is in
 * the journal; a crash at any instant loses none acknowledged.
 * @example
 * const mempool = await openMempool({ dir: join(dataDir, 'mempool'), pool, limits: config.p2p.mempool, ledgerNonce })
 * await mempool.ingest.submit([txText]); mempool.take({ maxTxs: 100, maxBytes: 1 << 20 })
 */
export async function openMempool(options: MempoolOptions): Promise<Mempool> {
  const { pool, limits, ledgerNonce, logger, now = Date.now } = options;
  const gapWaitMs = options.gapWaitMs ?? 0;
  const gapWait = () => ({ nowMs: now(), gapWaitMs });
  const refusedOps = new Set(options.refusedOps ?? consensusOps);
  const journalBytesMax = options.journalBytesMax ?? 2 * limits.maxBytes;
  const pending = new PendingTxs(limits);
  const added$ = new Subject<AddedTxs>();
  const dropped = new Map<string, DroppedTx>();
  /**
   * Keeps what went unapplied (the newest `droppedTxsMax`), with the sender's nonce that passed it
   * (`atReplay`: found spent by the journal's replay); returns how many.
   */
  const noteDropped = (
    txs: readonly { readonly hash: string; readonly from: string; readonly nonce: number }[],
    spentNonce: (from: string) => number = ledgerNonce,
    atReplay = false,
  ): number => {
    for (const { hash, from, nonce } of txs) {
      dropped.delete(hash);
      const spent = spentNonce(from);
      dropped.set(hash, atReplay ? { hash, from, nonce, spent, atReplay } : { hash, from, nonce, spent });
      if (dropped.size > droppedTxsMax) dropped.delete(dropped.keys().next().value!);
    }
    return txs.length;
  };

  let replayed = 0;
  const { journal, generations } = await Journal.open(
    { dir: options.dir, fsync: options.fsync, maxRecordBytes: options.maxRecordBytes },
    ({ offset, value }) => {
      const { hash, tx } = decodeTxRecord(offset, value);
      if (tx === null) return;
      // A spent one went while the node was down: in a block, or made stale by one; which the block history tells.
      if (tx.nonce <= ledgerNonce(tx.from)) return void noteDropped([{ hash, from: tx.from, nonce: tx.nonce }], ledgerNonce, true);
      if (pending.add({ hash, from: tx.from, nonce: tx.nonce, type: tx.op.type, record: value, offset, arrivedMs: 0 })) replayed++;
    },
  );
  logger?.info({ dir: options.dir, pending: replayed, bytes: pending.bytes }, 'mempool journal replayed');

  // Appends in flight, each settling once its txs were noted: a rotation waits for them.
  const inFlight = new Set<Promise<unknown>>();
  let rotating: Promise<void> | undefined;
  let closed = false;
  const rotate = () => {
    rotating ??= journal
      .rotate(async () => {
        await Promise.allSettled([...inFlight]);
        return [...pending.inArrivalOrder()].map(({ record }) => record);
      })
      .catch((error: unknown) => logger?.error({ err: error }, 'mempool journal rotation failed; the old generation is kept'))
      .finally(() => (rotating = undefined));
  };
  if (generations > 1) rotate();

  const journalLog: EventLog = {
    append: (batch) => (closed ? Promise.reject(new AinError('LOG_CLOSED', `The mempool journal in ${options.dir} is closed.`)) : journal.append(batch)),
    read: () => Promise.reject(new AinError('INTERNAL', 'The mempool journal is not read through its ingest.')),
    follow: () => {
      throw new AinError('INTERNAL', 'The mempool journal is not followed through its ingest.');
    },
    lastOffset: () => -1,
    close: () => journal.close(),
  };

  const readBackFor = (origin: TxOrigin): ReadBack => ({
    noteOwn(offsets, appended) {
      const txs: PendingTx[] = [];
      const arrivedMs = now();
      for (const [i, { hash, value }] of appended.entries()) {
        // Admission read them when it held room for the tx; a tx admitted through the other ingest first has none here.
        const { from, nonce, type } = pending.reservation(hash) ?? senderOf(value);
        // A block may have spent the nonce while the append was in flight (this tx in it, or a later one).
        if (nonce <= ledgerNonce(from)) {
          pending.release(hash);
          noteDropped([{ hash, from, nonce }]);
          continue;
        }
        if (pending.add({ hash, from, nonce, type, record: value, offset: offsets[i]!, arrivedMs })) txs.push(pending.get(hash)!);
      }
      if (txs.length > 0) added$.next({ origin, txs });
      if (journal.appendedBytes > journalBytesMax && !closed) rotate();
    },
    appending(settled) {
      const entry: Promise<unknown> = settled.then(
        () => inFlight.delete(entry),
        () => inFlight.delete(entry),
      );
      inFlight.add(entry);
    },
  });

  /** Held txs a block did not include but made stale: kept for `dropped`, and said. */
  const staleGone = (stale: readonly PendingTx[], spentNonce: (from: string) => number = ledgerNonce): number => {
    if (stale.length === 0) return 0;
    logger?.warn(
      { stale: stale.length, txs: stale.slice(0, 5).map(({ hash, from, nonce }) => ({ hash, from, nonce })) },
      'dropped txs a block made stale: a later nonce of their sender went in first, so they can no longer land (GET /v1/tx/<hash> says TX_DROPPED)',
    );
    return noteDropped(stale, spentNonce);
  };

  // One admission per ingest: a peer's refused tx makes a hold on its sender's later nonces, a local one's refusal goes back to its signer.
  const ingestOf = (origin: TxOrigin) =>
    createIngest({
      log: journalLog,
      pool,
      admission: admissionOf(pending, refusedOps, ledgerNonce, options.landedAt ?? (() => undefined), now, origin, options.bandwidth),
      readBack: readBackFor(origin),
      // What the API took counts as submitted; of a peer's gossip only the refusals count (what it passed on is no submission here).
      onSubmitted: origin === 'local' ? options.onSubmitted : (_appended, refused) => options.onSubmitted?.(0, refused),
    });
  return {
    ingest: ingestOf('local'),
    peerIngest: ingestOf('peer'),
    added$,
    take: ({ maxTxs, maxBytes, nonceOf = ledgerNonce }) => pending.take(maxTxs, maxBytes, nonceOf, gapWait()),
    hasReady: () => pending.hasReady(ledgerNonce, gapWait()),
    committed(txs) {
      const highest = new Map<string, number>();
      for (const { from, nonce } of txs) highest.set(from, Math.max(nonce, highest.get(from) ?? 0));
      const spentNonce = (from: string) => Math.max(highest.get(from) ?? 0, ledgerNonce(from));
      const gone = pending.drop(
        txs.map(({ hash }) => hash),
        spentNonce,
        highest.keys(),
      );
      return gone.included + staleGone(gone.stale, spentNonce);
    },
    prune(included = [], senders) {
      const gone = senders === undefined ? pending.prune(ledgerNonce, included) : pending.drop(included, ledgerNonce, senders);
      return gone.included + staleGone(gone.stale);
    },
    dropped: (hash) => dropped.get(hash),
    has: (hash) => pending.has(hash),
    recordOf: (hash) => pending.get(hash)?.record,
    byRef: (ref) => pending.byRef(ref),
    pending: () => pending.inArrivalOrder(),
    get stats() {
      return { txs: pending.count, bytes: pending.bytes, journalBytes: journal.appendedBytes };
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...inFlight]);
      await rotating;
      added$.complete();
      await journal.close();
    },
  };
}
