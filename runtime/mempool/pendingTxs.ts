import { sha256Hex } from '../../log/index.ts';
import type { Refusal } from '../../schemas/index.ts';

/** A checked tx the mempool holds until a block takes it. */
export interface PendingTx {
  readonly hash: string;
  readonly from: string;
  readonly nonce: number;
  /** Its op's type (never one consensus makes: admission refuses those). */
  readonly type: string;
  /** The record as journaled: the tx's canonical JSON, which is also what a block's log holds. */
  readonly record: Uint8Array;
  /** Where the journal holds it. */
  readonly offset: number;
  /** The SHA-256 (hex) of `record`: what a compact proposal names it by (its tx hash leaves the signature out; this pins every byte). */
  readonly ref: string;
  /** Order of arrival, across senders. */
  readonly seq: number;
  /** When this node took it in (its clock; 0 for a tx replayed from the journal). */
  readonly arrivedMs: number;
}

/** What `admit` needs of a tx: who signed it, its nonce, its size. */
export interface AdmitCandidate {
  readonly hash: string;
  readonly from: string;
  readonly nonce: number;
  readonly type: string;
  readonly bytes: number;
}

export interface PendingLimits {
  readonly maxTxs: number;
  readonly maxBytes: number;
  readonly maxTxsPerSender: number;
}

/**
 * When a tx whose nonce leaves a gap may go in a block. The ledger takes any nonce above the
 * sender's last, so the tx after a gap is valid, but once it is in a block the gap's tx (signed
 * earlier, perhaps sent to another node and still on its way by gossip) is spent: such a tx
 * waits `gapWaitMs` from its arrival here for the gap to fill. 0: never waits.
 */
export interface GapWait {
  readonly nowMs: number;
  readonly gapWaitMs: number;
}

const noGapWait: GapWait = { nowMs: 0, gapWaitMs: 0 };

/** Whether `tx` may follow nonce `last` of its sender in a block now. */
const mayFollow = (tx: PendingTx, last: number, wait: GapWait): boolean => tx.nonce === last + 1 || wait.nowMs - tx.arrivedMs >= wait.gapWaitMs;

interface Sender {
  /** Pending txs by nonce, ascending. */
  readonly txs: PendingTx[];
  /** Admitted txs whose append is in flight, by hash → nonce. */
  readonly reserved: Map<string, number>;
}

/** Index of the first tx in `txs` (ascending by nonce) whose nonce is above `nonce`. */
function firstAbove(txs: readonly PendingTx[], nonce: number): number {
  let low = 0;
  let high = txs.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (txs[mid]!.nonce <= nonce) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The txs waiting for a block, per sender in nonce order, with room held for admitted txs whose
 * append is in flight, so concurrent rounds of the ingest together stay within the bounds.
 * Senders are kept in order of arrival (a sender whose txs are all taken goes to the back when it
 * returns), which is the order `take` visits them in. Plain data: no I/O, no clock.
 */
export class PendingTxs {
  readonly #byHash = new Map<string, PendingTx>();
  /** The same txs by the SHA-256 of their records (`ref`), for filling a compact proposal. */
  readonly #byRef = new Map<string, PendingTx>();
  readonly #senders = new Map<string, Sender>();
  readonly #reserved = new Map<string, { readonly from: string; readonly nonce: number; readonly type: string; readonly bytes: number }>();
  /**
   * Holds, per sender: the nonces from `lowest` to `highest` of a peer's txs this mempool refused
   * (for room, then the later ones with NONCE_GAP), and when it last refused one. The ledger takes
   * any nonce above the last, so a later nonce of that sender in a block here would leave those
   * — acknowledged by the node that took them first, and offered here again only by a later
   * re-gossip — unusable, dropped everywhere unapplied. While a hold lives, this
   * mempool refuses the sender's nonces above `lowest` and `take` leaves them out; it ends once the
   * ledger passes `highest` (the node that holds them put them in a block) or `refusedHoldMs` after
   * the last refusal. At most `maxTxs` senders; the oldest hold goes first.
   */
  readonly #holds = new Map<string, { lowest: number; highest: number; atMs: number }>();
  #bytes = 0;
  #reservedBytes = 0;
  #seq = 0;

  constructor(
    readonly limits: PendingLimits,
    /** How long a nonce refused for room holds its sender's later ones back (ms of the clock `reserve` is given). */
    readonly refusedHoldMs = 60_000,
  ) {}

  get count(): number {
    return this.#byHash.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(hash: string): PendingTx | undefined {
    return this.#byHash.get(hash);
  }

  has(hash: string): boolean {
    return this.#byHash.has(hash) || this.#reserved.has(hash);
  }

  /** The held tx whose record's SHA-256 is `ref`. */
  byRef(ref: string): PendingTx | undefined {
    return this.#byRef.get(ref);
  }

  /** Pending txs in order of arrival. */
  *inArrivalOrder(): IterableIterator<PendingTx> {
    yield* this.#byHash.values();
  }

  #sender(from: string): Sender {
    let sender = this.#senders.get(from);
    if (sender === undefined) {
      sender = { txs: [], reserved: new Map() };
      this.#senders.set(from, sender);
    }
    return sender;
  }

  #dropSenderIfEmpty(from: string, sender: Sender): void {
    if (sender.txs.length === 0 && sender.reserved.size === 0) this.#senders.delete(from);
  }

  /** How many txs of `from` are held or have room held (the ones no block has taken yet). */
  heldBy(from: string): number {
    const sender = this.#senders.get(from);
    return sender === undefined ? 0 : sender.txs.length + sender.reserved.size;
  }

  /**
   * Refuses a tx the bounds have no room for, one whose nonce another tx of its sender holds, or
   * one above the nonces of its sender a hold keeps (see `#holds`: made only by a peer's txs, as a
   * refusal of a local one goes back to its signer, but kept against both); else holds room for it.
   */
  reserve(tx: AdmitCandidate, at: { readonly nowMs: number; readonly spent: number; readonly fromPeer: boolean }): Refusal | undefined {
    // The same tx in flight through the other ingest: both may append it, it is held once.
    if (this.#reserved.has(tx.hash)) return undefined;
    const hold = this.#holdOf(tx.from, at.spent, at.nowMs);
    if (hold !== undefined && tx.nonce > hold.lowest) {
      if (at.fromPeer) this.#noteHold(tx, at.nowMs);
      const leftMs = Math.max(0, hold.atMs + this.refusedHoldMs - at.nowMs);
      return {
        code: 'NONCE_GAP',
        message: `This node's mempool refused txs of ${tx.from} from nonce ${hold.lowest} (a peer's, for room) and takes none of its later nonces until a block passes nonce ${hold.highest} or ${Math.ceil(leftMs / 1000)} s have passed: one in a block here would leave those unusable. Submit this tx again then.`,
      };
    }
    const refusal = this.#roomFor(tx);
    if (refusal === undefined) {
      this.#sender(tx.from).reserved.set(tx.hash, tx.nonce);
      this.#reserved.set(tx.hash, { from: tx.from, nonce: tx.nonce, type: tx.type, bytes: tx.bytes });
      this.#reservedBytes += tx.bytes;
    } else if (at.fromPeer && refusal.code !== 'NONCE_PENDING') {
      this.#noteHold(tx, at.nowMs);
    }
    return refusal;
  }

  /** The live hold on `from`'s nonces, if any; one the ledger has passed (`spent`) or past its time is forgotten. */
  #holdOf(from: string, spent: number, nowMs: number): { readonly lowest: number; readonly highest: number; readonly atMs: number } | undefined {
    const hold = this.#holds.get(from);
    if (hold === undefined) return undefined;
    if (spent >= hold.highest || nowMs - hold.atMs >= this.refusedHoldMs) {
      this.#holds.delete(from);
      return undefined;
    }
    return hold;
  }

  /** A peer's tx refused: its sender's hold covers its nonce, from now. */
  #noteHold(tx: AdmitCandidate, nowMs: number): void {
    const hold = this.#holds.get(tx.from);
    if (hold !== undefined) {
      hold.lowest = Math.min(hold.lowest, tx.nonce);
      hold.highest = Math.max(hold.highest, tx.nonce);
      hold.atMs = nowMs;
      return;
    }
    if (this.#holds.size >= this.limits.maxTxs) this.#holds.delete(this.#holds.keys().next().value!);
    this.#holds.set(tx.from, { lowest: tx.nonce, highest: tx.nonce, atMs: nowMs });
  }

  /** Index past the last of `txs` (ascending by nonce) a block may take now: a hold keeps those above its lowest nonce out. */
  #takeableEnd(from: string, txs: readonly PendingTx[], spent: number, nowMs: number): number {
    const hold = this.#holdOf(from, spent, nowMs);
    return hold === undefined ? txs.length : firstAbove(txs, hold.lowest);
  }

  #roomFor(tx: AdmitCandidate): Refusal | undefined {
    const sender = this.#senders.get(tx.from);
    if (sender !== undefined) {
      const at = firstAbove(sender.txs, tx.nonce - 1);
      if (sender.txs[at]?.nonce === tx.nonce || [...sender.reserved.values()].includes(tx.nonce)) {
        return {
          code: 'NONCE_PENDING',
          message: `The mempool already holds another tx of ${tx.from} with nonce ${tx.nonce}; sign this one with a nonce of its own.`,
        };
      }
      if (sender.txs.length + sender.reserved.size >= this.limits.maxTxsPerSender) {
        return {
          code: 'MEMPOOL_SENDER_FULL',
          message: `The mempool holds ${this.limits.maxTxsPerSender} txs of ${tx.from}, as many as it takes per sender; submit again once blocks have taken some.`,
        };
      }
    }
    const count = this.#byHash.size + this.#reserved.size;
    const bytes = this.#bytes + this.#reservedBytes;
    if (count >= this.limits.maxTxs || bytes + tx.bytes > this.limits.maxBytes) {
      return {
        code: 'MEMPOOL_FULL',
        message: `The mempool holds ${count} txs of ${bytes} bytes (at most ${this.limits.maxTxs} txs and ${this.limits.maxBytes} bytes); submit again once blocks have taken some.`,
      };
    }
    return undefined;
  }

  /** The sender, nonce and op type of a tx room is held for (admitted, its append in flight). */
  reservation(hash: string): { readonly from: string; readonly nonce: number; readonly type: string } | undefined {
    return this.#reserved.get(hash);
  }

  /** Frees the room held for a tx whose append failed (nothing when it holds none). */
  release(hash: string): void {
    const held = this.#reserved.get(hash);
    if (held === undefined) return;
    this.#reserved.delete(hash);
    this.#reservedBytes -= held.bytes;
    const sender = this.#senders.get(held.from);
    if (sender === undefined) return;
    sender.reserved.delete(hash);
    this.#dropSenderIfEmpty(held.from, sender);
  }

  /**
   * Adds a journaled tx (in the room held for it, if any). False, and nothing added, when the
   * tx is held already or its nonce is another's of its sender.
   */
  add(tx: Omit<PendingTx, 'seq' | 'ref'>): boolean {
    this.release(tx.hash);
    if (this.#byHash.has(tx.hash)) return false;
    const sender = this.#sender(tx.from);
    const at = firstAbove(sender.txs, tx.nonce - 1);
    if (sender.txs[at]?.nonce === tx.nonce) return false;
    // Written out, not spread: a spread of objects made at several sites takes V8's slow path (~1 µs here).
    const { hash, from, nonce, type, record, offset, arrivedMs } = tx;
    const pending: PendingTx = { hash, from, nonce, type, record, offset, ref: sha256Hex(record), seq: this.#seq++, arrivedMs };
    // Nonces mostly come in order: a push, not a splice.
    if (at === sender.txs.length) sender.txs.push(pending);
    else sender.txs.splice(at, 0, pending);
    this.#byHash.set(tx.hash, pending);
    this.#byRef.set(pending.ref, pending);
    this.#bytes += tx.record.byteLength;
    return true;
  }

  /**
   * Drops the txs with these hashes (`included`: how many were held) and every tx of a sender
   * with a nonce at or below `spentNonce(from)` (`stale`: those not among the hashes).
   */
  drop(hashes: Iterable<string>, spentNonce: (from: string) => number, senders: Iterable<string>): { included: number; stale: PendingTx[] } {
    let included = 0;
    const stale: PendingTx[] = [];
    const touched = new Set(senders);
    for (const hash of hashes) {
      const tx = this.#byHash.get(hash);
      if (tx === undefined) continue;
      touched.add(tx.from);
      const sender = this.#senders.get(tx.from)!;
      const index = sender.txs.indexOf(tx);
      // A block mostly takes a sender's lowest nonce first.
      if (index === 0) sender.txs.shift();
      else sender.txs.splice(index, 1);
      this.#forget(tx);
      included++;
    }
    for (const from of touched) {
      // A hold whose nonces are all spent has nothing left to keep.
      if ((this.#holds.get(from)?.highest ?? Infinity) <= spentNonce(from)) this.#holds.delete(from);
      const sender = this.#senders.get(from);
      if (sender === undefined) continue;
      const staleCount = firstAbove(sender.txs, spentNonce(from));
      if (staleCount > 0) {
        const spent = sender.txs.splice(0, staleCount);
        for (const tx of spent) this.#forget(tx);
        stale.push(...spent);
      }
      this.#dropSenderIfEmpty(from, sender);
    }
    return { included, stale };
  }

  /** Drops every tx at or below its sender's `spentNonce`, or with one of the `included` hashes (see `drop`). */
  prune(spentNonce: (from: string) => number, included: Iterable<string> = []): { included: number; stale: PendingTx[] } {
    return this.drop(included, spentNonce, [...this.#senders.keys()]);
  }

  #forget(tx: PendingTx): void {
    this.#byHash.delete(tx.hash);
    this.#byRef.delete(tx.ref);
    this.#bytes -= tx.record.byteLength;
  }

  /**
   * Txs for a block: each sender's txs with nonces above its ledger nonce, in nonce order, the
   * senders in turn (one tx each per turn, in order of arrival), until `maxTxs` or `maxBytes`
   * would be passed. A sender whose next tx does not fit, or leaves a gap and has not waited its
   * `gapWaitMs`, is passed over for the rest of the block: a later nonce of it in this block
   * would make the skipped one (or the gap's) stale.
   */
  take(maxTxs: number, maxBytes: number, nonceOf: (from: string) => number, wait: GapWait = noGapWait): PendingTx[] {
    let runs: { txs: readonly PendingTx[]; next: number; end: number; last: number }[] = [];
    for (const [from, sender] of this.#senders) {
      const last = nonceOf(from);
      const next = firstAbove(sender.txs, last);
      const end = this.#takeableEnd(from, sender.txs, last, wait.nowMs);
      if (next < end) runs.push({ txs: sender.txs, next, end, last });
    }
    const taken: PendingTx[] = [];
    let bytes = 0;
    // One tx per sender per turn; each turn keeps the senders that have more and still fit.
    while (runs.length > 0 && taken.length < maxTxs) {
      const more: typeof runs = [];
      for (const run of runs) {
        if (taken.length === maxTxs) break;
        const tx = run.txs[run.next]!;
        if (bytes + tx.record.byteLength > maxBytes || !mayFollow(tx, run.last, wait)) continue;
        taken.push(tx);
        bytes += tx.record.byteLength;
        run.last = tx.nonce;
        if (++run.next < run.end) more.push(run);
      }
      runs = more;
    }
    return taken;
  }

  /** Whether `take` would give a tx now: some sender's first tx above its ledger nonce may go in a block. */
  hasReady(nonceOf: (from: string) => number, wait: GapWait = noGapWait): boolean {
    for (const [from, sender] of this.#senders) {
      const last = nonceOf(from);
      const next = firstAbove(sender.txs, last);
      const tx = next < this.#takeableEnd(from, sender.txs, last, wait.nowMs) ? sender.txs[next] : undefined;
      if (tx !== undefined && mayFollow(tx, last, wait)) return true;
    }
    return false;
  }
}
