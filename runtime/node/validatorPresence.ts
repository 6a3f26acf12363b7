import type { Logger } from 'pino';
import { checkPeerClaim } from '../../log/index.ts';
import { PeerClaim, safeParse } from '../../schemas/index.ts';
import { peerJson, statusAnswerMaxBytes, type Transport } from '../net/index.ts';

/** How long a validator's node may go without answering this one before it counts as unreachable (as consensus's stall window). */
export const presenceWindowMs = 10_000;
/** How long after start a bootstrap peer may take to answer for the first time (nodes of a network start one by one). */
export const bootstrapGraceMs = 30_000;
/** How often the connected peers are asked for their status. */
export const presencePollMs = 2_000;
/** Peers asked in one round besides the validators' and the bootstrap peers, at most (those asked longest ago first). */
const othersPerRound = 32;
/** How long a peer has to answer: under `presencePollMs`, so that a round that waits on a silent peer ends before the next. */
const answerTimeoutMs = 1_500;

export interface ValidatorPresenceOptions {
  readonly transport: Pick<Transport, 'peers' | 'request'>;
  /** The chain's `status` protocol (`protocolOf(chain, shard, 'status')`). */
  readonly statusProtocol: string;
  readonly chain: string;
  readonly shard: string;
  readonly genesisHash: string;
  /** Peer ids of the configured bootstrap peers: in a network written by `ain net init`, the other validators. */
  readonly bootstrap: readonly string[];
  /** The validators of the current set (read once a round): only their claims are kept. */
  readonly validators: () => { has(address: string): boolean };
  readonly now: () => number;
  readonly logger: Logger;
  readonly timers?: Pick<typeof globalThis, 'setInterval' | 'clearInterval'>;
}

/** What this node knows of one validator's node. */
export interface ValidatorReach {
  /** The peer that last answered with its key's claim (`status`'s `validator`), checked. */
  readonly peerId: string;
  /** When it last did (this node's clock). */
  readonly answeredMs: number;
  /**
   * Whether it did within `presenceWindowMs` before the last round of asking ended (a peer that
   * answers with another validator's claim since, or none, is no longer this one's node).
   */
  readonly reachable: boolean;
}

export interface ValidatorPresence {
  /**
   * Validator `address`'s node as this node knows it: undefined until a peer answered `status`
   * with a claim signed by that key (a validator behind relays this node never reached directly,
   * or one not up since this node started).
   */
  of(address: string): ValidatorReach | undefined;
  /**
   * The peers that answered with `address`'s claim in the last `presenceWindowMs` while another
   * did too (their answers interleave): two nodes run one validator key (they sign conflicting
   * votes, and its stake is slashed). Empty when one node did, or one after another (it moved).
   */
  claimants(address: string): string[];
  /**
   * Bootstrap peers that are no validator's latest node (its validator not known, or its peer id
   * outdated) that have not answered in the last `presenceWindowMs`, or never, `bootstrapGraceMs` after start.
   */
  silentBootstrap(): string[];
  /**
   * Bootstrap peers that answered in the last `presenceWindowMs` (as of the last round) for this
   * chain id and shard with another genesis hash, each with that hash: another network's nodes,
   * or this node's genesis is the odd one. Only the peers the operator configured: the field is
   * the peer's word, and any other peer could say it. Sorted by peer.
   */
  otherGenesis(): { readonly peer: string; readonly genesis: string }[];
  /** How many peers' answers are kept (bounded by the peers connected, the bootstrap peers and the set; see prune). */
  remembered(): number;
  /** One round of asking now (the timer does every `presencePollMs`). */
  poll(): Promise<void>;
  start(): void;
  stop(): void;
}

/**
 * Which validator each peer is, and whether it answers: every `presencePollMs` the connected peers
 * (validators' and bootstrap peers each time, others up to `othersPerRound`) are asked their
 * `status`, whose `validator` field is the node key's signed claim to be that peer
 * (`signPeerClaim`); a claim is taken from the peer it names only (the libp2p connection
 * authenticates the peer id), for this chain, shard and genesis, by a validator of the current
 * set, with its signature checked (once per claim). Gossip cannot tell this: a validator's votes
 * reach a node re-sent by others long after it went down. Silence is judged as of the end of the
 * last round, so a node that was itself paused asks again before it calls anyone down. A peer's
 * bad answer is logged at debug and changes nothing.
 * @example const presence = createValidatorPresence({ transport, statusProtocol, chain, shard, genesisHash, bootstrap, now, logger }); presence.start()
 */
export function createValidatorPresence(options: ValidatorPresenceOptions): ValidatorPresence {
  const { transport, statusProtocol, now, logger, timers = globalThis } = options;
  /** Peer → when it last answered. */
  const answeredMs = new Map<string, number>();
  /** Peer → when it was last asked. */
  const askedMs = new Map<string, number>();
  /**
   * Peer → the validator its last checked claim names, with the claim's JSON: the same claim again
   * (byte for byte: the parsed claim's fields in the schema's order) is not checked again.
   */
  const claims = new Map<string, { readonly from: string; readonly json: string }>();
  /**
   * Validator → each peer that answered with its claim, when it first and last did: its node is
   * the latest; two whose answers interleave, two nodes on one key (one after the other: it moved).
   */
  const claimedAt = new Map<string, Map<string, { first: number; last: number }>>();
  const bootstrap = new Set(options.bootstrap);
  /** Peer → the genesis hash its last answer named, when that is not this node's (for this chain and shard). */
  const genesisOf = new Map<string, string>();
  let startedMs = Number.POSITIVE_INFINITY;
  /**
   * When the last round of asking ended: silence is judged as of then, not by the clock alone, so a
   * node whose own timers stalled (paused, starved of CPU) does not call every peer down before it
   * has asked them again.
   */
  let judgedMs = Number.NEGATIVE_INFINITY;
  /** The set as the round in progress read it. */
  let validators: { has(address: string): boolean } = new Set<string>();
  let polling: Promise<void> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  const claimed = (address: string, peer: string) => {
    let peers = claimedAt.get(address);
    if (peers === undefined) claimedAt.set(address, (peers = new Map()));
    const t = now();
    const seen = peers.get(peer);
    // A peer back after a silence as long as the window starts a new stretch: a standby that
    // answered as the key meanwhile did so one after the other, not beside it.
    if (seen === undefined || t - seen.last >= presenceWindowMs) peers.set(peer, { first: t, last: t });
    else seen.last = t;
  };
  /** The peer that last answered with `address`'s claim, and when. */
  const latest = (address: string): { peerId: string; at: number } | undefined => {
    let found: { peerId: string; at: number } | undefined;
    for (const [peerId, { last }] of claimedAt.get(address) ?? []) if (found === undefined || last > found.at) found = { peerId, at: last };
    return found;
  };
  /** Peers that answered with `address`'s claim within the window as of the last round. */
  const recent = (address: string): [string, { first: number; last: number }][] =>
    [...(claimedAt.get(address) ?? [])].filter(([, { last }]) => judgedMs - last < presenceWindowMs);

  const note = (peer: string, answer: unknown) => {
    answeredMs.set(peer, now());
    const { chain, shard, genesis } = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
    // The status protocol is named by the chain id: a peer on it with another genesis runs another chain of that name.
    if (
      chain === options.chain &&
      shard === options.shard &&
      typeof genesis === 'string' &&
      /^[0-9a-f]{64}$/.test(genesis) &&
      genesis !== options.genesisHash
    ) {
      if (bootstrap.has(peer)) genesisOf.set(peer, genesis);
      else logger.debug({ peer, genesis }, 'a peer answered status for this chain from another genesis');
    } else genesisOf.delete(peer);
    const field = typeof answer === 'object' && answer !== null ? (answer as { validator?: unknown }).validator : undefined;
    if (field === undefined) return;
    const parsed = safeParse(PeerClaim, field);
    if (!parsed.success) return logger.debug({ peer }, 'a peer answered status with a validator claim that is not one; ignored');
    const claim = parsed.data;
    if (!validators.has(claim.from)) return;
    const json = JSON.stringify(claim);
    const known = claims.get(peer);
    if (known?.json === json) return claimed(known.from, peer);
    if (claim.peerId !== peer || claim.chain !== options.chain || claim.shard !== options.shard || !checkPeerClaim(claim, options.genesisHash)) {
      return logger.debug(
        { peer, claimed: claim.peerId, from: claim.from },
        'a peer answered status with a validator claim not signed for it on this chain; ignored',
      );
    }
    claims.set(peer, { from: claim.from, json });
    claimed(claim.from, peer);
  };

  const ask = async (peer: string) => {
    try {
      note(
        peer,
        peerJson(
          await transport.request(peer, statusProtocol, new Uint8Array(), { timeoutMs: answerTimeoutMs, maxAnswerBytes: statusAnswerMaxBytes }),
          'status answer',
        ),
      );
    } catch (error) {
      logger.debug({ err: error, peer }, 'a peer did not answer status');
    }
  };

  /**
   * Forgets validators that left the set, and what is older than `presenceWindowMs` but each
   * validator's latest node and what is connected or configured: what is kept is bounded by the
   * peers connected, the bootstrap peers and the set.
   */
  const prune = (connected: ReadonlySet<string>) => {
    // As of the last round, as everything here is judged (a node back from a pause has not asked yet).
    const t = judgedMs;
    const kept = new Set([...connected, ...options.bootstrap]);
    for (const [address, peers] of claimedAt) {
      if (!validators.has(address)) {
        claimedAt.delete(address);
        continue;
      }
      const newest = latest(address)!.peerId;
      for (const [peer, { last }] of peers) if (peer !== newest && t - last >= presenceWindowMs) peers.delete(peer);
      for (const peer of peers.keys()) kept.add(peer);
    }
    for (const [peer, at] of answeredMs) {
      if (kept.has(peer) || t - at < presenceWindowMs) continue;
      answeredMs.delete(peer);
      claims.delete(peer);
      genesisOf.delete(peer);
    }
    for (const peer of askedMs.keys()) if (!connected.has(peer)) askedMs.delete(peer);
  };

  /**
   * The peers asked this round: every connected one that answered as a validator (its latest node,
   * or another lately) or is a bootstrap peer, whatever else is connected, and `othersPerRound` of
   * the others, those asked longest ago first (many other peers cannot starve a validator's).
   */
  const roundOf = (peers: readonly string[], connected: ReadonlySet<string>): string[] => {
    const bound = [...claimedAt.values()].flatMap((claimants) => [...claimants.keys()]);
    const first = new Set([...bound, ...options.bootstrap].filter((peer) => connected.has(peer)));
    const others = peers
      .filter((peer) => !first.has(peer))
      .sort((a, b) => (askedMs.get(a) ?? Number.NEGATIVE_INFINITY) - (askedMs.get(b) ?? Number.NEGATIVE_INFINITY))
      .slice(0, othersPerRound);
    return [...first, ...others];
  };

  const poll = () => {
    polling ??= (async () => {
      const peers = transport.peers();
      const connected = new Set(peers);
      validators = options.validators();
      prune(connected);
      const round = roundOf(peers, connected);
      const t = now();
      for (const peer of round) askedMs.set(peer, t);
      await Promise.all(round.map(ask));
      judgedMs = now();
    })().finally(() => {
      polling = undefined;
    });
    return polling;
  };

  return {
    of(address) {
      const found = latest(address);
      if (found === undefined) return undefined;
      return { peerId: found.peerId, answeredMs: found.at, reachable: judgedMs - found.at < presenceWindowMs };
    },
    claimants(address) {
      const lately = recent(address);
      // Two whose answers interleave: one answered again after the other first did.
      const together = lately.filter(([peer, a]) => lately.some(([other, b]) => other !== peer && a.first <= b.last && b.first <= a.last));
      return together.map(([peer]) => peer).sort();
    },
    silentBootstrap() {
      const bound = new Set([...claimedAt.keys()].map((address) => latest(address)!.peerId));
      return options.bootstrap.filter((peer) => {
        if (bound.has(peer)) return false;
        const at = answeredMs.get(peer);
        return at === undefined ? judgedMs - startedMs >= bootstrapGraceMs : judgedMs - at >= presenceWindowMs;
      });
    },
    otherGenesis: () =>
      [...genesisOf]
        .filter(([peer]) => judgedMs - (answeredMs.get(peer) ?? Number.NEGATIVE_INFINITY) < presenceWindowMs)
        .map(([peer, genesis]) => ({ peer, genesis }))
        .sort((a, b) => (a.peer < b.peer ? -1 : 1)),
    remembered: () => answeredMs.size,
    poll,
    start() {
      startedMs = Math.min(startedMs, now());
      timer ??= timers.setInterval(() => void poll(), presencePollMs);
      (timer as { unref?: () => void }).unref?.();
    },
    stop() {
      timers.clearInterval(timer);
      timer = undefined;
    },
  };
}
