import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { sha256Hex } from '../../log/index.ts';
import { isAinError } from '../../schemas/index.ts';
import { splitJsonArray } from '../ingest/index.ts';
import { maxGossipBytes, topicOf, type GossipHandler, type Transport, type Validation } from '../net/index.ts';
import type { Mempool } from './mempool.ts';
import type { PendingTx } from './pendingTxs.ts';
import { SeenTexts } from './seenTexts.ts';

export interface TxGossipOptions {
  readonly transport: Transport;
  readonly chain: string;
  readonly shard: string;
  readonly mempool: Pick<Mempool, 'peerIngest' | 'added$' | 'pending'>;
  /** How often txs still waiting are gossiped again; 0: never. Default 5000. */
  readonly regossipMs?: number;
  /** Txs gossiped again per round, at most; default 1000. */
  readonly regossipTxsMax?: number;
  /** Largest message published or taken; default the transport's 4 MiB. */
  readonly maxMessageBytes?: number;
  /** Most txs in one message taken from a peer; more is rejected. Default 10 000. */
  readonly maxMessageTxs?: number;
  /** Local txs waiting to be published, at most; older ones are left to the re-gossip. Default 10 000. */
  readonly outboxTxsMax?: number;
  /** Tx texts remembered as seen (between this and twice as many); default 100 000. */
  readonly seenTxsMax?: number;
  /**
   * How long a peer's tx refused only for now (see refusedForNow) stays seen, so that gossip of it
   * again is ignored without checking it again: between this and twice as long. Default 2,500 ms,
   * under the 5 s a peer waits to gossip what waits again.
   */
  readonly refusedForNowMs?: number;
  /**
   * Peers that hand every batch they gossip to every peer this node would forward it to: in a
   * network of validators that all keep each other as gossipsub direct peers (`p2p.validatorMesh`),
   * the other validators (each publishes to all the others, and forwards what it takes from anyone
   * else to all of them). A batch from one of them is kept, not forwarded: forwarding it would
   * only send the others copies they have (each batch (n − 1)² times among n validators instead of
   * n − 1). Default none: every new batch is forwarded.
   */
  readonly directPeers?: ReadonlySet<string>;
  readonly logger?: Logger;
  readonly timers?: Pick<typeof globalThis, 'setInterval' | 'clearInterval'>;
}

export interface TxGossip {
  /** Subscribes to the txs topic and starts publishing; call before or after the transport starts. */
  start(): void;
  /** Unsubscribes and waits for the publishes in flight. */
  stop(): Promise<void>;
  /** One round of re-gossip now (the timer calls it every `regossipMs`); resolves with how many txs were published. */
  regossip(): Promise<number>;
  /** Publishes the local txs waiting now; resolves once handed to the transport. */
  flush(): Promise<void>;
  /**
   * Txs of peers' messages on their way into the mempool (being checked), by their record's
   * SHA-256 (a compact proposal's ref): resolves once those of `refs` are held or refused;
   * undefined when none of them is on its way.
   */
  arriving(refs: readonly string[]): Promise<unknown> | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/**
 * Refusals of a peer's tx that hold only for now (no room, a hold on the sender's nonces, its
 * bandwidth this window, a busy node): the tx is forgotten as seen a little later
 * (`refusedForNowMs`), so a later gossip of it (a re-gossip) is taken then. Any other refusal is
 * for good.
 */
const refusedForNow: ReadonlySet<string> = new Set(['MEMPOOL_FULL', 'MEMPOOL_SENDER_FULL', 'NONCE_GAP', 'NONCE_PENDING', 'BANDWIDTH_EXCEEDED', 'OVERLOADED']);
/**
 * Refusals no tx an honest node gossips can get: it passes on only txs its own boundary took,
 * whose bytes these codes judge alone (not this node's ledger, mempool or config). A peer's
 * message holding one is rejected, not forwarded.
 */
const provablyInvalid: ReadonlySet<string> = new Set(['BAD_JSON', 'BAD_SCHEMA', 'BAD_SIGNATURE', 'BAD_ADDRESS', 'WRONG_CHAIN']);
const comma = Buffer.from(',');

/**
 * The txs of a peer-to-peer chain on gossip: txs this node's API took in are published in
 * batches (each message a JSON array of tx texts); a peer's batch goes through the same boundary
 * as a local tx (the mempool's peer ingest), so what a node holds from a peer is as checked and as
 * durable as its own, and it is forwarded only after that: one holding a tx no honest node would
 * pass on (a bad signature, schema, chain) is rejected and goes no further. A direct peer's batch
 * is not forwarded at all (see `directPeers`) and is checked after delivery. Txs still waiting are
 * gossiped again every `regossipMs`, since gossip can lose a message; what came from gossip is
 * not published again at once, since gossipsub forwards it (but for a batch from a direct peer,
 * which has sent it to the others itself: see `directPeers`).
 * @example const gossip = createTxGossip({ transport, chain, shard, mempool }); gossip.start()
 */
export function createTxGossip(options: TxGossipOptions): TxGossip {
  const { transport, mempool, logger, timers = globalThis } = options;
  const topic = topicOf(options.chain, options.shard, 'txs');
  const regossipMs = options.regossipMs ?? 5000;
  const regossipTxsMax = options.regossipTxsMax ?? 1000;
  const maxMessageBytes = options.maxMessageBytes ?? maxGossipBytes;
  const maxMessageTxs = options.maxMessageTxs ?? 10_000;
  const outboxTxsMax = options.outboxTxsMax ?? 10_000;
  const seenTxsMax = options.seenTxsMax ?? 100_000;
  const seen = new SeenTexts(seenTxsMax);
  // Txs refused for now, still seen: forgotten as seen a generation later (refusedForNowMs each).
  // Forgetting them at once had every message holding them checked again, signatures and all: a
  // sender's txs past its room, sent again and again with other whitespace, cost a verify each time.
  let refusedYoung = new Set<string>();
  let refusedOld = new Set<string>();
  const refusedForNowMs = options.refusedForNowMs ?? 2_500;
  let forgetting: ReturnType<typeof setInterval> | undefined;
  const refusedNow = (hash: string) => {
    if (refusedYoung.size < seenTxsMax) refusedYoung.add(hash);
    else seen.delete(hash);
  };
  const forgetRefused = () => {
    for (const hash of refusedOld) seen.delete(hash);
    refusedOld = refusedYoung;
    refusedYoung = new Set();
  };
  // Texts refused with a provablyInvalid code: a later message naming one is the sender's doing too.
  const invalid = new SeenTexts(seenTxsMax);
  const directPeers = options.directPeers ?? new Set<string>();
  // A direct peer's message kept by `validate`, split and hashed, for `onMessage` on the same bytes next.
  const accepted = new WeakMap<Uint8Array, { readonly texts: readonly string[]; readonly hashes: readonly string[] }>();
  // Another peer's message whose txs `validate` checked into the mempool: `onMessage` has nothing left to do.
  const ingested = new WeakSet<Uint8Array>();
  const outbox: Uint8Array[] = [];
  /** A peer's txs in the mempool's peer ingest, by ref: the submit they are in. */
  const inFlight = new Map<string, Promise<unknown>>();
  const publishing = new Set<Promise<unknown>>();
  let flushing = false;
  let added: Subscription | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let round = 0;
  // Txs up to this arrival number have had a whole round to travel; the cursor is the last one re-gossiped.
  let dueUpTo = -1;
  let cursor = -1;

  /** Packs records into messages of at most maxMessageBytes; `tail` is whitespace after the array. */
  const pack = (records: readonly Uint8Array[], tail: Uint8Array): Uint8Array[] => {
    const messages: Uint8Array[] = [];
    let parts: Uint8Array[] = [];
    let size = 2 + tail.byteLength;
    const close = () => {
      if (parts.length > 0) messages.push(Buffer.concat([Buffer.from('['), ...parts, Buffer.from(']'), tail]));
      parts = [];
      size = 2 + tail.byteLength;
    };
    for (const record of records) {
      if (record.byteLength + 3 + tail.byteLength > maxMessageBytes) continue; // cannot travel alone: peers get it in a block
      if (size + record.byteLength + 1 > maxMessageBytes) close();
      if (parts.length > 0) parts.push(comma);
      parts.push(record);
      size += record.byteLength + 1;
    }
    close();
    return messages;
  };

  const publish = async (messages: readonly Uint8Array[]): Promise<void> => {
    for (const bytes of messages) {
      const sent = Promise.resolve()
        .then(() => transport.publish(topic, bytes))
        .then(
          (result) => {
            if (result.outcome === 'failed') logger?.debug({ topic }, 'publishing txs failed');
          },
          (error: unknown) => logger?.debug({ err: error, topic }, 'txs not published'),
        );
      publishing.add(sent);
      void sent.finally(() => publishing.delete(sent));
      await sent;
    }
  };

  const flush = async (): Promise<void> => {
    if (flushing) return;
    flushing = true;
    try {
      while (outbox.length > 0) await publish(pack(outbox.splice(0, outbox.length), new Uint8Array()));
    } finally {
      flushing = false;
    }
  };

  const onAdded = ({ origin, txs }: { origin: string; txs: readonly PendingTx[] }) => {
    for (const { ref } of txs) seen.add(ref); // the SHA-256 of its record, as a gossiped text hashes
    if (origin !== 'local') return;
    for (const { record } of txs) outbox.push(record);
    if (outbox.length > outboxTxsMax) outbox.splice(0, outbox.length - outboxTxsMax);
    setImmediate(() => void flush().catch((error: unknown) => logger?.warn({ err: error }, 'publishing txs failed')));
  };

  const regossip = async (): Promise<number> => {
    const all = [...mempool.pending()];
    const due = all.filter((tx) => tx.seq <= dueUpTo);
    for (const tx of all) dueUpTo = Math.max(dueUpTo, tx.seq);
    let start = due.findIndex((tx) => tx.seq > cursor);
    if (start < 0) start = 0;
    const batch = [...due.slice(start), ...due.slice(0, start)].slice(0, regossipTxsMax);
    if (batch.length === 0) return 0;
    cursor = batch[batch.length - 1]!.seq;
    // Gossip drops bytes it has seen (for its seen TTL): whitespace that spells the round in
    // binary after the array makes each round's message new, so a tx lost before goes out again.
    const tail = Buffer.from(`\n${(round++ % 65_536).toString(2).replaceAll('0', ' ').replaceAll('1', '\t')}`);
    await publish(
      pack(
        batch.map((tx) => tx.record),
        tail,
      ),
    );
    return batch.length;
  };

  /** The tx texts of a message, or why it is not one. */
  const textsOf = (bytes: Uint8Array): string[] | string => {
    if (bytes.byteLength > maxMessageBytes) return 'over the size limit';
    try {
      const texts = splitJsonArray(utf8.decode(bytes), maxMessageTxs);
      if (texts === null) return 'not a JSON array';
      if (texts.length === 0) return 'an empty array';
      if (texts.some((text) => text.charCodeAt(0) !== 0x7b)) return 'an element is not an object';
      return texts;
    } catch (error) {
      if (error instanceof TypeError || isAinError(error)) return (error as Error).message;
      throw error;
    }
  };

  /**
   * Hands a message's txs not seen yet to the mempool's peer ingest (the boundary every tx
   * crosses); resolves with each one's refusal code, or undefined where it was taken. Undefined
   * when none of them is new.
   */
  const take = (
    split: { readonly texts: readonly string[]; readonly hashes: readonly string[] },
    from: string,
  ): Promise<(string | undefined)[]> | undefined => {
    const fresh: string[] = [];
    const freshHashes: string[] = [];
    for (const [i, hash] of split.hashes.entries()) {
      if (!seen.add(hash)) continue;
      fresh.push(split.texts[i]!);
      freshHashes.push(hash);
    }
    if (fresh.length === 0) return undefined;
    const submitted = mempool.peerIngest.submit(fresh);
    for (const hash of freshHashes) inFlight.set(hash, submitted);
    const landed = () => {
      for (const hash of freshHashes) if (inFlight.get(hash) === submitted) inFlight.delete(hash);
    };
    submitted.then(landed, landed);
    return submitted.then(
      (results) => {
        const codes = results.map((r, i) => {
          if (!('code' in r)) return undefined;
          if (refusedForNow.has(r.code)) refusedNow(freshHashes[i]!);
          if (provablyInvalid.has(r.code)) invalid.add(freshHashes[i]!);
          return r.code;
        });
        const refused = codes.filter((code) => code !== undefined);
        if (refused.length > 0) logger?.debug({ from, refused }, 'txs from a peer refused');
        return codes;
      },
      (error: unknown) => {
        // Not taken (the node is busy or stopping): a later gossip of them may be.
        for (const hash of freshHashes) refusedNow(hash);
        logger?.debug({ err: error, from, txs: fresh.length }, 'txs from a peer not taken');
        return fresh.map(() => 'OVERLOADED');
      },
    );
  };

  const handler: GossipHandler = {
    validate(bytes, from): Validation | Promise<Validation> {
      const texts = textsOf(bytes);
      if (typeof texts === 'string') {
        logger?.debug({ from, reason: texts }, 'peer gossiped a txs message that is not one; rejected');
        return 'reject';
      }
      const hashes = texts.map((text) => sha256Hex(text));
      if (hashes.every((hash) => seen.has(hash))) return 'ignore';
      if (directPeers.has(from)) {
        accepted.set(bytes, { texts, hashes });
        return 'keep';
      }
      // Any other peer's message goes on only once its txs have crossed this node's boundary: a
      // message with a tx no honest node would forward (checked now, or refused before, or being
      // checked for another message) is the sender's doing and stops here, so junk costs one
      // node its check instead of every validator.
      const rejected = (reason: string) => {
        logger?.debug({ from, reason }, 'peer gossiped a tx no honest node forwards; rejected');
        return 'reject' as const;
      };
      if (hashes.some((hash) => invalid.has(hash))) return rejected('a tx refused before');
      const checking = hashes.flatMap((hash) => inFlight.get(hash) ?? []); // before take() puts this message's own there
      const taken = take({ texts, hashes }, from);
      if (taken === undefined && checking.length === 0) return 'ignore';
      return Promise.all([taken, ...checking.map((check) => check.catch(() => undefined))]).then(([codes = []]) => {
        const bad = codes.find((code) => code !== undefined && provablyInvalid.has(code));
        if (bad !== undefined) return rejected(bad);
        if (hashes.some((hash) => invalid.has(hash))) return rejected('a tx refused for another message');
        ingested.add(bytes);
        // A tx over this node's size limit was not checked through (its JSON, schema or signature may
        // be bad): a node with a larger limit could prove it invalid and count the message against
        // this one, so the message goes no further; the txs taken from it spread by re-gossip.
        if (codes.includes('TX_TOO_LARGE')) return 'ignore';
        return codes.includes(undefined) ? 'accept' : 'ignore';
      });
    },
    onMessage(bytes, from) {
      if (ingested.delete(bytes)) return; // checked into the mempool as it was validated
      let split = accepted.get(bytes);
      accepted.delete(bytes);
      if (split === undefined) {
        const texts = textsOf(bytes);
        if (typeof texts === 'string') return;
        split = { texts, hashes: texts.map((text) => sha256Hex(text)) };
      }
      void take(split, from);
    },
  };

  return {
    start() {
      if (added !== undefined) return;
      transport.subscribe(topic, handler);
      added = mempool.added$.subscribe(onAdded);
      for (const tx of mempool.pending()) {
        seen.add(tx.ref);
        dueUpTo = Math.max(dueUpTo, tx.seq); // replayed from the journal: due at once
      }
      forgetting = timers.setInterval(forgetRefused, refusedForNowMs);
      forgetting.unref?.();
      if (regossipMs > 0) {
        timer = timers.setInterval(() => void regossip().catch((error: unknown) => logger?.warn({ err: error }, 're-gossip failed')), regossipMs);
        timer.unref?.();
      }
    },
    async stop() {
      if (timer !== undefined) timers.clearInterval(timer);
      if (forgetting !== undefined) timers.clearInterval(forgetting);
      timer = undefined;
      forgetting = undefined;
      added?.unsubscribe();
      transport.unsubscribe(topic);
      outbox.length = 0;
      await Promise.allSettled([...publishing]);
    },
    regossip,
    flush,
    arriving(refs) {
      const submits = new Set<Promise<unknown>>();
      for (const ref of refs) {
        const submit = inFlight.get(ref);
        if (submit !== undefined) submits.add(submit);
      }
      return submits.size === 0 ? undefined : Promise.allSettled(submits);
    },
  };
}
