import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { z } from 'zod';
import type { Chain } from '../../actors/index.ts';
import type { EventLog } from '../../log/index.ts';
import { AinError, Certificate, parseOrThrow, type Genesis } from '../../schemas/index.ts';
import type { BlockStore } from '../blocks/index.ts';
import { defaultLimits, peerJson, protocolOf, statusAnswerMaxBytes, type Transport } from '../net/index.ts';
import type { CommitStore } from './commitStore.ts';
import { certificateOfNext, certifiedDecided, checkCertified, type BlockLimits, type HeldTx } from './proposalBlocks.ts';

/** Decided blocks one request may ask for. */
export const decidedCountMax = 64;
/** A node asks one peer at a time, and not again sooner than this after an answer. */
const askAgainMs = 1_000;
/**
 * How long a node one block behind (a peer's message for the height after the one this node is
 * deciding) waits before it fetches. Under load the slowest validator is often that far behind
 * for a moment: the others decided without it, and its own consensus decides the block soon
 * after from the votes it has or gets. Two or more blocks behind, it fetches at once.
 */
const oneBehindGraceMs = 1_000;
/**
 * How often a node asks a peer where its chain stands. A node that missed a decision on a chain
 * that then went idle hears no message of a later height, so it asks.
 */
const statusPollMs = 2_000;
/**
 * How soon a node that holds a commit's precommits but not its proposal asks again: the peer
 * asked may have seen the same precommits a moment before and not appended the block yet.
 */
const decidedAskAgainMs = 200;
/**
 * How long such an ask waits for its answer (a catch-up request waits the transport's default): it
 * wants one block, and while it waits no other ask goes out, so a slow peer must not hold them up.
 */
const decidedAskTimeoutMs = 2_000;
/**
 * How long a peer that claimed to be ahead (a message for a later height, or its status) but
 * whose blocks took this node no further (an answer empty, failed or refused) is not asked on
 * such a claim again; doubled for each such fetch in a row, up to `unfruitfulMaxMs`. A peer's lie,
 * a validator's vote for a height far ahead, then costs one ask, not every ask after it.
 */
const unfruitfulMs = 5_000;
const unfruitfulMaxMs = 300_000;
/**
 * Decided-by-range requests of one peer answered at once: a node catching up has one out at a time
 * (it asks for the next range once the last has come), but an answer it gave up on (its own
 * time, 2 or 5 s) runs on here until the handler's (10 s): four leave room for those.
 */
const answeredAtOnce = 4;
/**
 * How long a fetch may wait for its peer's answer before another peer's claim backed by a
 * validator's message (a vote or proposal of a later height it relayed) takes its place:
 * a peer that claimed a height and then sat on its answer held this node's one fetch for the
 * request's whole time (5 s), and with a fresh peer id each time, again and again. The stalled
 * peer's claims then wait as an unfruitful one's do. (Time this node spends checking and
 * appending what came does not count.)
 */
const stalledMs = 2_000;
/** How often a node still reading its log at start looks whether it is done, to ask its peers then. */
const replayCheckMs = 50;

const DecidedRequest = z.strictObject({ from: z.number().int().min(1), count: z.number().int().min(1).max(decidedCountMax) });
/** A decided block as a peer sends it: its log records (commit tx first, cut last) and its certificate. */
const DecidedBlock = z.strictObject({ height: z.number().int().min(1), records: z.array(z.string()).min(1), certificate: Certificate });
const DecidedAnswer = z.strictObject({ blocks: z.array(DecidedBlock).max(decidedCountMax) });
export type DecidedBlock = z.infer<typeof DecidedBlock>;

export interface CatchUpComponents {
  readonly logger: Logger;
  readonly genesis: Genesis;
  readonly log: EventLog;
  readonly chain: Chain;
  readonly blockStore: BlockStore;
  readonly transport: Transport;
  readonly commits: CommitStore;
  readonly limits: BlockLimits;
  /**
   * Whether the follower has read the log as it stood at start. Until then the ledger's height is
   * below the log's, and a block fetched for it would be appended a second time.
   */
  readonly caughtUp: () => boolean;
  /**
   * Appends a decided block to the log once, and resolves when the follower has applied it;
   * `held`: what `heldOf` gave for the block, which passed its check.
   */
  readonly appendDecided: (height: number, records: readonly Uint8Array[], certificate: Certificate, held?: ReadonlyMap<string, HeldTx>) => Promise<void>;
  /**
   * The records of a fetched block this node checked already (its mempool's) or checks off this
   * thread (its verify threads), by text: the block's check takes them as checked. Default none.
   */
  readonly heldOf?: (height: number, records: readonly string[]) => Promise<ReadonlyMap<string, HeldTx>>;
  /**
   * Whether this node's own consensus may still decide the height it is at (it holds a proposal of
   * it not refused): only then does a node one block behind wait the grace before it fetches.
   * Default: it may.
   */
  readonly mayDecide?: () => boolean;
}

export interface CatchUp {
  /**
   * A peer is at `height`, above this node's next: fetch what lies between. `via`: how it said so,
   * by relaying a validator's signed message of that height (`message`, the default), or by its
   * own word in a `status` answer, which only such a claim can take the place of a stalled fetch on.
   */
  behind(peer: string, height: number, via?: 'message' | 'status'): void;
  /**
   * More than 2/3 of the power precommitted a block of this node's next height that it cannot
   * decide itself (it lacks the proposal): fetch it from `peer` now, without the grace, and again
   * (the peer may not have appended it yet) no sooner than `decidedAskAgainMs` after. Such an ask
   * does not hold back `behind`'s. Whether it asked.
   */
  decidedElsewhere(peer: string, height: number): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The peer the `asked`-th ask (from 0) for a block decided elsewhere goes to: every other ask to
 * `preferred` (the sender of the latest message of a later height, else of this one: the peer most
 * likely to have appended the block, though gossip may have relayed its message), the asks between
 * to the other connected peers in turn, so a relay that lacks the block does not take every ask;
 * all of them to the connected peers in turn once `preferred` is no longer connected.
 * @example decidedAskPeer('peer-a', ['peer-a', 'peer-b', 'peer-c'], 1) // 'peer-b'
 */
export function decidedAskPeer(preferred: string, connected: readonly string[], asked: number): string {
  // Gone (the transport dropped it): the connected peers in turn.
  if (!connected.includes(preferred)) return connected.length === 0 ? preferred : connected[asked % connected.length]!;
  const others = connected.filter((peer) => peer !== preferred);
  if (asked % 2 === 0 || others.length === 0) return preferred;
  return others[((asked - 1) / 2) % others.length]!;
}

/** A fetch of decided blocks from one peer. */
interface Fetch {
  readonly peer: string;
  /** Since when it has waited for the peer's answer; undefined while it checks and appends what came. */
  waitingSinceMs: number | undefined;
  readonly abort: AbortController;
  /** The peer's blocks it appended. */
  blocks: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Whether a fetched block's records may fit the chain's block: no more than `maxTxs` records, and
 * those before the cut under `maxBytes` in characters (never more than their bytes, so a valid
 * block always passes). Only such a block is verified before its certificate is checked.
 */
function withinBlockLimits(records: readonly string[], limits: BlockLimits): boolean {
  if (records.length > limits.maxTxs) return false;
  let chars = 0;
  for (let i = 0; i < records.length - 1; i++) chars += records[i]!.length;
  return chars < limits.maxBytes;
}

/**
 * The certificate of decided block `height`: the one the next block's `commit` tx carries, else
 * the commit store's (the newest block's lives only there).
 */
export async function certificateOf(
  c: Pick<CatchUpComponents, 'log' | 'chain' | 'blockStore'>,
  commits: Pick<CommitStore, 'get'>,
  height: number,
): Promise<Certificate | undefined> {
  const next = height < c.chain.ledger.height ? c.blockStore.get(height + 1) : undefined;
  if (next !== undefined) {
    const [first] = await c.log.read(next.header.firstOffset, { maxRecords: 1 });
    const carried = first === undefined ? undefined : certificateOfNext([decoder.decode(first.value)]);
    if (carried !== undefined) return carried;
  }
  return commits.get(height);
}

/**
 * Catch-up between validators: a node answers `decided-by-range` with the records of its decided
 * blocks and their certificates (each block's is in the next block's `commit` tx, the newest
 * one's in the commit store), and a node that hears of a height above its own asks the peer that
 * sent it, checks each certificate against the validator set it computed for that height, and
 * appends the block to its log, where the follower folds it as any other.
 */
export function createCatchUp(c: CatchUpComponents): CatchUp {
  const { logger, genesis, log, chain, transport, commits } = c;
  const protocol = protocolOf(genesis.chain, genesis.shard, 'decided-by-range');
  const statusProtocol = protocolOf(genesis.chain, genesis.shard, 'status');
  /** The fetch going on (one at a time): from whom, since when it has waited for the peer's answer (undefined: busy itself), its stop, the blocks it appended. */
  let asking: Fetch | undefined;
  /** Whether a fetch goes on that has waited `stalledMs` for an answer and is not `peer`'s: another peer's claim may replace it. */
  const stalledOtherThan = (peer: string): boolean =>
    asking?.waitingSinceMs !== undefined && asking.peer !== peer && Date.now() - asking.waitingSinceMs >= stalledMs;
  let lastAskedAt = 0;
  let stopped = false;
  let poller: NodeJS.Timeout | undefined;
  let polled = 0;
  let connects: Subscription | undefined;
  let replaying: NodeJS.Timeout | undefined;
  /** Peers whose claims to be ahead are not acted on until `untilMs` (see unfruitfulMs); bounded. */
  const unfruitful = new Map<string, { readonly untilMs: number; readonly strikes: number }>();

  async function recordsOf(height: number): Promise<string[] | undefined> {
    const view = c.blockStore.get(height);
    if (view === undefined) return undefined;
    const { firstOffset, lastOffset } = view.header;
    const read = await log.read(firstOffset, { maxRecords: lastOffset - firstOffset + 1 });
    return read.map((r) => decoder.decode(r.value));
  }

  /** Decided-by-range requests being answered, by the peer that asked. */
  const answering = new Map<string, number>();

  /**
   * Up to `count` decided blocks from `from`, within an answer's size limit. A peer gets at most
   * `answeredAtOnce` answers at once (more are refused OVERLOADED), and an answer past its
   * handler's time stops reading: a 30-byte request costs up to 16 MiB of reads, and a peer could
   * otherwise keep many going.
   */
  async function answer(bytes: Uint8Array, peer: string, signal?: AbortSignal): Promise<Uint8Array> {
    const { from, count } = parseOrThrow(DecidedRequest, peerJson(bytes, 'decided-by-range request'), 'decided-by-range request');
    const running = answering.get(peer) ?? 0;
    if (running >= answeredAtOnce) {
      throw new AinError(
        'OVERLOADED',
        `This node answers at most ${answeredAtOnce} decided-block requests of one peer at once; ask again once one is answered.`,
      );
    }
    answering.set(peer, running + 1);
    try {
      return await answerRange(from, count, signal);
    } finally {
      const left = answering.get(peer)! - 1;
      if (left === 0) answering.delete(peer);
      else answering.set(peer, left);
    }
  }

  async function answerRange(from: number, count: number, signal?: AbortSignal): Promise<Uint8Array> {
    const blocks: DecidedBlock[] = [];
    let size = 64;
    for (let height = from; height < from + count && height <= chain.ledger.height; height++) {
      signal?.throwIfAborted();
      const records = await recordsOf(height);
      const certificate = await certificateOf(c, commits, height);
      if (records === undefined || certificate === undefined) break;
      const block = { height, records, certificate };
      size += Buffer.byteLength(JSON.stringify(block)) + 1;
      if (size > defaultLimits.maxResponseBytes && blocks.length > 0) break;
      blocks.push(block);
    }
    return encoder.encode(JSON.stringify({ blocks }));
  }

  /** The decided blocks from `from` a peer sends, at most decidedCountMax. */
  async function ask(peer: string, from: number, timeoutMs: number | undefined, signal: AbortSignal): Promise<readonly DecidedBlock[]> {
    const bytes = await transport.request(
      peer,
      protocol,
      encoder.encode(JSON.stringify({ from, count: decidedCountMax })),
      timeoutMs === undefined ? { signal } : { timeoutMs, signal },
    );
    return parseOrThrow(DecidedAnswer, peerJson(bytes, 'decided-by-range answer'), 'decided-by-range answer').blocks;
  }

  /**
   * Fetches, checks and appends the peer's decided blocks after this node's height, as a pipeline:
   * the next range is asked for while this one is checked and appended, and a block's records go
   * to the verify threads (`heldOf`) while the block before it is appended and folded. A block's
   * certificate can be checked only once the block before it is folded (it signs that block's
   * state root), so the records verified ahead of their certificate are those of one block within
   * the chain's block limits, and only after a block the peer sent held whole: a peer's bogus
   * blocks cost at most one block of verifies.
   */
  async function fetchFrom(peer: string, timeoutMs: number | undefined, fetched: Fetch): Promise<void> {
    const { signal } = fetched.abort;
    const ended = () => stopped || signal.aborted;
    const settle = <T>(promise: Promise<T>): Promise<T> => {
      promise.catch(() => undefined); // awaited later, or dropped once the fetch has stopped
      return promise;
    };
    /** The blocks of the answer asked for last once they have come (its first is verified ahead, while the last block before it is appended). */
    let arrived: readonly DecidedBlock[] | undefined;
    const request = (from: number): Promise<readonly DecidedBlock[]> => {
      const asked = ask(peer, from, timeoutMs, signal);
      arrived = undefined;
      // Also keeps the failure of an answer dropped (the fetch stopped) from going unhandled.
      asked.then(
        (blocks) => {
          if (answered === asked) arrived = blocks;
        },
        () => undefined,
      );
      return asked;
    };
    let answered = request(chain.ledger.height + 1);
    let heldNext: { readonly height: number; readonly held: Promise<ReadonlyMap<string, HeldTx> | undefined> } | undefined;
    for (;;) {
      fetched.waitingSinceMs = Date.now(); // on the peer, until its answer is here (at once when it came already)
      const blocks = await answered;
      fetched.waitingSinceMs = undefined;
      // An answer stops where its bytes ran out, not only at the end of the peer's chain: ask again until one is empty.
      if (ended() || blocks.length === 0) return;
      answered = request(blocks.at(-1)!.height + 1);
      for (const [i, block] of blocks.entries()) {
        if (ended() || block.height !== chain.ledger.height + 1) return;
        // The certificate first, which costs no record's signature: a bogus block goes before its records are verified.
        const certified = certifiedDecided(block, c);
        if ('code' in certified) throw new AinError(certified.code, `Peer ${peer} sent block ${block.height}: ${certified.message}`);
        const held = heldNext?.height === block.height ? await heldNext.held : await c.heldOf?.(block.height, block.records);
        if (ended() || block.height !== chain.ledger.height + 1) return;
        const refusal = checkCertified(certified, held === undefined ? c : { ...c, held });
        if (refusal !== null) throw new AinError(refusal.code, `Peer ${peer} sent block ${block.height}: ${refusal.message}`);
        // The next block of this answer, or the first of the next one when it has come.
        const next = blocks[i + 1] ?? (arrived?.[0]?.height === block.height + 1 ? arrived[0] : undefined);
        heldNext =
          next === undefined || c.heldOf === undefined || !withinBlockLimits(next.records, c.limits)
            ? undefined
            : { height: next.height, held: settle(c.heldOf(next.height, next.records)) };
        await c.appendDecided(
          block.height,
          block.records.map((text) => encoder.encode(text)),
          block.certificate,
          held,
        );
        fetched.blocks++;
      }
    }
  }

  /** Asks `peer` for its height, and fetches what it has decided beyond this node's. */
  async function askStatus(peer: string): Promise<void> {
    if (asking !== undefined || !c.caughtUp()) return;
    const answer = peerJson(
      await transport.request(peer, statusProtocol, new Uint8Array(), { timeoutMs: statusPollMs, maxAnswerBytes: statusAnswerMaxBytes }),
      'status answer',
    );
    const height = typeof answer === 'object' && answer !== null ? (answer as { height?: unknown }).height : undefined;
    if (Number.isSafeInteger(height) && (height as number) > chain.ledger.height) catchUp.behind(peer, (height as number) + 1, 'status');
  }

  /** Asks the next connected peer (one per `statusPollMs`). */
  async function poll(): Promise<void> {
    const peers = transport.peers();
    if (peers.length > 0) await askStatus(peers[polled++ % peers.length]!);
  }

  /** Since when (the clock) a peer has been one block ahead of this node's ledger at `height`. */
  let oneBehind: { readonly height: number; readonly sinceMs: number } | null = null;
  /** Whether a node that heard of `height` from a peer should wait for its own consensus before fetching. */
  function waitsForOwnDecision(height: number): boolean {
    if (height > chain.ledger.height + 2 || c.mayDecide?.() === false) return false;
    const nowMs = Date.now();
    if (oneBehind?.height !== chain.ledger.height) oneBehind = { height: chain.ledger.height, sinceMs: nowMs };
    return nowMs - oneBehind.sinceMs < oneBehindGraceMs;
  }

  /**
   * Whether a fetch goes on that `peer`'s claim does not replace: any, but one stalled for
   * `stalledMs` (another peer's), which is stopped here, its peer struck as an unfruitful one.
   */
  function busyFor(peer: string): boolean {
    if (asking === undefined) return false;
    if (!stalledOtherThan(peer)) return true;
    logger.info({ peer: asking.peer, waitedMs: Date.now() - asking.waitingSinceMs!, next: peer }, 'a peer’s decided blocks stalled: asking another peer');
    asking.abort.abort(new AinError('NET_TIMEOUT', `No decided block came in ${stalledMs} ms; another peer is asked.`));
    asking = undefined;
    return false;
  }

  function fetchNow(peer: string, fields: Record<string, unknown>, message: string, paced: boolean, timeoutMs?: number): void {
    const fetch: Fetch = { peer, waitingSinceMs: undefined, abort: new AbortController(), blocks: 0 };
    asking = fetch;
    const own = chain.ledger.height;
    logger.info({ peer, ...fields, own }, message);
    fetchFrom(peer, timeoutMs, fetch)
      .catch((error: unknown) => {
        if (!fetch.abort.signal.aborted) logger.warn({ err: error, peer }, 'catching up failed');
      })
      .finally(() => {
        if (asking === fetch) asking = undefined;
        // A stalled fetch's ask is paced as an unfruitful one, whichever call started it.
        if (!paced && !fetch.abort.signal.aborted) return;
        lastAskedAt = Date.now();
        // Its own blocks only: the node's own consensus may append meanwhile, the peer's answer empty.
        if (fetch.blocks > 0) return void unfruitful.delete(peer);
        const strikes = (unfruitful.get(peer)?.strikes ?? 0) + 1;
        const forMs = Math.min(unfruitfulMaxMs, unfruitfulMs * 2 ** (strikes - 1));
        unfruitful.delete(peer);
        unfruitful.set(peer, { untilMs: lastAskedAt + forMs, strikes });
        if (unfruitful.size > 256) unfruitful.delete(unfruitful.keys().next().value!);
        logger.info({ peer, height: fields.height, own, forMs }, 'a peer said it was ahead, yet its blocks took this node no further: its claims wait');
      });
  }
  /** When `decidedElsewhere` last fetched. */
  let decidedAskedAt = 0;

  const catchUp: CatchUp = {
    behind(peer, height, via = 'message') {
      if (stopped || !c.caughtUp() || height <= chain.ledger.height + 1) return;
      if ((unfruitful.get(peer)?.untilMs ?? 0) > Date.now()) return;
      // A peer's word alone never takes the place of a stalled fetch: fresh liars would replace each other.
      if (asking !== undefined ? via !== 'message' || !stalledOtherThan(peer) : Date.now() - lastAskedAt < askAgainMs) return;
      if (waitsForOwnDecision(height) || busyFor(peer)) return;
      fetchNow(peer, { height }, 'behind a peer: fetching decided blocks', true);
    },
    decidedElsewhere(peer, height) {
      if (stopped || !c.caughtUp() || height !== chain.ledger.height + 1 || Date.now() - decidedAskedAt < decidedAskAgainMs) return false;
      if (busyFor(peer)) return false;
      decidedAskedAt = Date.now();
      fetchNow(peer, { decided: height }, 'peers decided a block this node lacks the proposal of: fetching it', false, decidedAskTimeoutMs);
      return true;
    },
    async start() {
      await transport.handle(protocol, (bytes, peer, signal) => answer(bytes, peer, signal));
      const failed = (error: unknown) => logger.debug({ err: error }, 'asking a peer for its status failed');
      poller = setInterval(() => void poll().catch(failed), statusPollMs);
      // A peer just connected is asked at once: a node that starts behind an idle chain fetches without waiting for the poll.
      connects = transport.peerEvents$.subscribe((event) => {
        if (event.type === 'connect') void askStatus(event.peer).catch(failed);
      });
      // And those connected before (the network starts before consensus does), once the follower
      // has read the log as it stood at start: until then a peer's height says nothing.
      const askConnected = () => {
        for (const peer of transport.peers()) void askStatus(peer).catch(failed);
      };
      if (c.caughtUp()) askConnected();
      else
        replaying = setInterval(() => {
          if (!c.caughtUp()) return;
          clearInterval(replaying);
          askConnected();
        }, replayCheckMs);
    },
    async stop() {
      stopped = true;
      asking?.abort.abort(new AinError('NET_STOPPED', 'The node is stopping.'));
      clearInterval(poller);
      clearInterval(replaying);
      connects?.unsubscribe();
      await transport.unhandle(protocol).catch(() => undefined);
    },
  };
  return catchUp;
}
