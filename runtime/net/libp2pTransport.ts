import './promiseWithResolvers.ts';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import type { GossipSub } from '@libp2p/gossipsub';
import type { identify } from '@libp2p/identify';
import type { PeerDiscovery } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { Libp2p } from 'libp2p';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { Subject } from 'rxjs';
import { AinError } from '../../schemas/index.ts';
import { createRequestService } from './libp2pRequests.ts';
import { libp2pLogger } from './libp2pLogger.ts';
import { messageIdOf } from './messageId.ts';
import { checkOwnSize, stoppedError } from './netErrors.ts';
import { announceAddress, configuredDialsOnly, createPeerKeeper, keptPeer, type KeptPeer } from './peerKeeper.ts';
import { defaultLimits, type GossipHandler, type PeerEvent, type PublishResult, type Transport, type TransportLimits, type Validation } from './transport.ts';

/** Gossipsub's mesh for a network of a handful of validators (its defaults, D=6, Dlo=4, Dhi=12, are for large ones). */
export interface MeshParams {
  readonly D: number;
  readonly Dlo: number;
  readonly Dhi: number;
  readonly Dout: number;
  readonly heartbeatIntervalMs: number;
  /** How long a message id is remembered: the same bytes again within it are a duplicate. */
  readonly seenTtlMs: number;
}

export const smallNetworkMesh: MeshParams = { D: 3, Dlo: 2, Dhi: 4, Dout: 1, heartbeatIntervalMs: 1_000, seenTtlMs: 120_000 };

/** Room in a gossip frame for what wraps the message (topic, control messages riding along). */
const gossipFrameSlackBytes = 64 * 1024;

export interface Libp2pTransportInit {
  /** The 32-byte Ed25519 seed of the peer key (`loadPeerSeed`): the peer id follows from it. */
  readonly seed: Uint8Array;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** TCP port to listen on; 0 (default) takes any free one (see `addresses()`). */
  readonly port?: number;
  /** Peers to dial at start and stay connected to, as multiaddrs ending in `/p2p/<peer id>`. */
  readonly bootstrap?: readonly string[];
  /** The validators: gossipsub's direct peers (every message goes to them, mesh or not), kept connected like bootstrap peers. */
  readonly directPeers?: readonly string[];
  /** What peers are told to dial instead of the listen address (no `/p2p/`: the node adds its own peer id); default the listen address. */
  readonly announce?: readonly string[];
  /** Dial only the bootstrap and direct peers' own addresses, never one learned from a peer (identify, peer exchange); default false. */
  readonly dialConfiguredOnly?: boolean;
  readonly limits?: Partial<TransportLimits>;
  readonly mesh?: Partial<MeshParams>;
  /** How often a kept peer that is not connected is dialled again; default 1 s. */
  readonly redialIntervalMs?: number;
  readonly dialTimeoutMs?: number;
  /** A libp2p stop still running after this long is logged and left behind; default 5 s. */
  readonly stopTimeoutMs?: number;
}

export interface Libp2pTransportComponents {
  readonly logger: Logger;
}

type Node = Libp2p<{ identify: ReturnType<ReturnType<typeof identify>>; pubsub: GossipSub }>;

/**
 * The transport over libp2p 3: TCP, Noise, Yamux, identify, bootstrap and gossipsub. Messages are
 * not signed by libp2p (each ain message carries its own signature) and their id is a hash of
 * topic and bytes, so the same bytes from two nodes are one message.
 * @example
 * const transport = await createLibp2pTransport({ seed, port: 0, bootstrap: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…'] }, { logger })
 * await transport.start()
 */
export async function createLibp2pTransport(init: Libp2pTransportInit, { logger }: Libp2pTransportComponents): Promise<Transport> {
  const limits: TransportLimits = { ...defaultLimits, ...init.limits };
  const mesh: MeshParams = { ...smallNetworkMesh, ...init.mesh };
  const bootstrapPeers = (init.bootstrap ?? []).map(keptPeer);
  const directPeers = (init.directPeers ?? []).map(keptPeer);
  if (init.seed.length !== 32) throw new AinError('BAD_CONFIG', `The peer key seed is ${init.seed.length} bytes; an Ed25519 seed is 32.`);
  const listenOn = listenAddress(init.host ?? '127.0.0.1', init.port ?? 0);
  const announce = (init.announce ?? []).map(announceAddress);
  const stack = await loadLibp2p();
  const rejected = new RejectedGossip();
  const node = await createNode(
    stack,
    init,
    {
      limits,
      mesh,
      directPeers,
      announce,
      listen: listenOn,
      rejected,
      dialOnly: init.dialConfiguredOnly === true ? [...bootstrapPeers, ...directPeers] : undefined,
    },
    logger,
  );
  const pubsub = node.services.pubsub;
  const peerId = node.peerId.toString();
  const log = logger.child({ peerId });
  const topics = new Map<string, GossipHandler>();
  const peerEvents$ = new Subject<PeerEvent>();
  const stopping = new AbortController();
  let state: 'new' | 'running' | 'stopped' = 'new';
  const requests = createRequestService({
    libp2p: node,
    lpStream: stack.lpStream,
    limits,
    logger: log,
    stopped: stopping.signal,
    running: () => state === 'running',
  });
  const keeper = createPeerKeeper({
    libp2p: node,
    peers: [...bootstrapPeers, ...directPeers],
    redialIntervalMs: init.redialIntervalMs ?? 1_000,
    dialTimeoutMs: init.dialTimeoutMs ?? 5_000,
    logger: log,
  });

  /** A rejected message counts against its sender's score (RejectedGossip); said once it is graylisted. */
  const direct = new Set(directPeers.map((peer) => peer.peerId.toString()));
  const penalize = (from: string, topic: string) => {
    // Gossipsub takes what a direct peer sends whatever its score: no count, no word of dropping it.
    if (direct.has(from) || !rejected.rejected(from)) return;
    log.warn(
      { from, topic, rejected: Math.round(rejected.count(from)) },
      "a peer's gossip was rejected again and again (provably invalid): gossipsub drops all it sends, unread, until its score recovers (about 13 s)",
    );
    peerEvents$.next({ type: 'graylisted', peer: from });
  };
  const validator = (topic: string) => async (from: { toString(): string }, message: { data: Uint8Array }) => {
    const handler = topics.get(topic);
    if (handler === undefined) return 'ignore' as Validation;
    if (message.data.length > limits.maxGossipBytes) {
      // Within gossipsub's frame, which has room for the envelope, yet over the message limit.
      log.warn(
        { from: from.toString(), topic, bytes: message.data.length, maxBytes: limits.maxGossipBytes },
        'peer sent a gossip message over the size limit; rejected',
      );
      penalize(from.toString(), topic);
      return 'reject' as Validation;
    }
    try {
      const validation = await handler.validate(message.data, from.toString());
      if (validation === 'reject') {
        log.debug({ from: from.toString(), topic }, 'gossip message rejected by its validator; not forwarded');
        penalize(from.toString(), topic);
      }
      if (validation !== 'keep') return validation;
      // Delivered here; gossipsub is told to ignore it, so it neither forwards nor scores it.
      deliver(handler, topic, message.data, from.toString());
      return 'ignore' as Validation;
    } catch (error) {
      log.error({ err: error, topic, from: from.toString() }, 'gossip validator threw; the message is ignored');
      return 'ignore' as Validation;
    }
  };
  const deliver = (handler: GossipHandler, topic: string, data: Uint8Array, from: string) => {
    try {
      handler.onMessage(data, from);
    } catch (error) {
      log.error({ err: error, topic }, 'gossip handler threw');
    }
  };
  const listen = (topic: string) => {
    pubsub.topicValidators.set(topic, validator(topic) as never);
    pubsub.subscribe(topic);
  };

  node.addEventListener('peer:connect', (event) => peerEvents$.next({ type: 'connect', peer: event.detail.toString() }));
  node.addEventListener('peer:disconnect', (event) => peerEvents$.next({ type: 'disconnect', peer: event.detail.toString() }));
  pubsub.addEventListener('subscription-change', ({ detail }) => {
    for (const { topic, subscribe } of detail.subscriptions) {
      peerEvents$.next({ type: subscribe ? 'subscribe' : 'unsubscribe', peer: detail.peerId.toString(), topic });
    }
  });
  pubsub.addEventListener('gossipsub:message', ({ detail }) => {
    const handler = topics.get(detail.msg.topic);
    if (handler !== undefined) deliver(handler, detail.msg.topic, detail.msg.data, detail.propagationSource.toString());
  });

  return {
    peerId,
    peerEvents$: peerEvents$.asObservable(),
    async start() {
      if (state !== 'new') return;
      await node.start();
      state = 'running';
      for (const topic of topics.keys()) listen(topic);
      await requests.start();
      await keeper.start();
      log.info({ addresses: node.getMultiaddrs().map(String) }, 'p2p transport listening');
    },
    async stop() {
      if (state === 'stopped') return;
      const wasRunning = state === 'running';
      state = 'stopped';
      stopping.abort();
      keeper.stop();
      if (wasRunning) {
        const stopTimeoutMs = init.stopTimeoutMs ?? 5_000;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(() => (log.warn({ stopTimeoutMs }, 'libp2p did not stop in time; going on without it'), resolve()), stopTimeoutMs);
        });
        await Promise.race([node.stop(), late]).finally(() => clearTimeout(timer));
      }
      peerEvents$.complete();
    },
    addresses: () => node.getMultiaddrs().map(String),
    async publish(topic, bytes): Promise<PublishResult> {
      if (state !== 'running') throw stoppedError(`publish on ${topic}`);
      checkOwnSize(bytes, limits.maxGossipBytes, 'gossip message');
      try {
        const { recipients } = await pubsub.publish(topic, bytes);
        return { recipients: recipients.length, outcome: 'sent' };
      } catch (error) {
        const reason = (error as Error).message;
        if (reason.includes('NoPeersSubscribedToTopic')) {
          log.debug({ topic }, 'no connected peer subscribes to the topic; nothing sent');
          return { recipients: 0, outcome: 'noPeers' };
        }
        if (reason.includes('Duplicate')) {
          log.debug({ topic }, 'published bytes already seen on the topic; not sent again');
          return { recipients: 0, outcome: 'duplicate' };
        }
        log.error({ err: error, topic }, 'gossip publish failed');
        return { recipients: 0, outcome: 'failed' };
      }
    },
    subscribe(topic, handler) {
      const known = topics.has(topic);
      topics.set(topic, handler);
      if (!known && state === 'running') listen(topic);
    },
    unsubscribe(topic) {
      if (!topics.delete(topic) || state !== 'running') return;
      pubsub.unsubscribe(topic);
      pubsub.topicValidators.delete(topic);
    },
    handle: (protocol, handler) => requests.handle(protocol, handler),
    unhandle: (protocol) => requests.unhandle(protocol),
    request: (peer, protocol, bytes, options) => requests.request(peer, protocol, bytes, options),
    peers: () => node.getPeers().map(String),
    subscribers: (topic) => pubsub.getSubscribers(topic).map(String),
  };
}

/**
 * The multiaddr the node's p2p port listens on: an IPv4 or IPv6 address as it is, `localhost` as
 * IPv4's loopback. Any other name is BAD_CONFIG (libp2p listens on addresses, not names; it threw
 * a multiaddr ValidationError with a stack).
 */
export function listenAddress(host: string, port: number): string {
  const version = isIP(host);
  if (version === 4) return `/ip4/${host}/tcp/${port}`;
  if (version === 6) return `/ip6/${host}/tcp/${port}`;
  if (host === 'localhost') return `/ip4/127.0.0.1/tcp/${port}`;
  throw new AinError(
    'BAD_CONFIG',
    `The node's host "${host}" is not an IP address, and its p2p port listens on one: give --host (or the config's "host") as 127.0.0.1, ::1, 0.0.0.0 for every interface, or another address of this machine.`,
    { details: { field: 'host', host } },
  );
}

/** What the transport made of its init before the libp2p node: parsed, checked, defaults filled. */
interface NodeParts {
  readonly limits: TransportLimits;
  readonly mesh: MeshParams;
  readonly directPeers: readonly KeptPeer[];
  readonly announce: readonly Multiaddr[];
  /** The TCP address to listen on (see listenAddress). */
  readonly listen: string;
  /** Peers' rejected gossip, which gossipsub's score counts (see RejectedGossip). */
  readonly rejected: RejectedGossip;
  /** With `dialConfiguredOnly`, the only peers' addresses the node may dial. */
  readonly dialOnly: readonly KeptPeer[] | undefined;
}

/**
 * Addresses gossipsub's peer score does not count peers of. Its IP colocation penalty (the square
 * of the peers past 10 on one address, counted an hour after they leave, graylisting at -80) is a
 * defence against many identities on one machine of the internet; on loopback every peer is a
 * process of this machine (a local network, a follower, a test), and counting them would make a
 * new local peer's gossip ignored, without a word, once about 14 had come and gone.
 */
const loopbackAddresses: ReadonlySet<string> = new Set(['127.0.0.1', '::1']);

/** Gossipsub's thresholds (its defaults, named here): below `graylistThreshold` all a peer sends is dropped unread. */
export const gossipScoreThresholds = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 20,
} as const;

/**
 * What a peer's rejected gossip costs it, as gossipsub's application-specific score: each message
 * this node's validators rejected (provably invalid: a bad signature, schema, chain; see
 * `Validation`) counts, and the score is -20 × the count squared — -20 for one, -80 for two, -180
 * for three, below the graylist threshold, from when gossipsub drops all the peer sends unread
 * (it takes the score at its next heartbeat) — while the count decays ×0.97 a second (from three
 * to under two in about 13 s; one is forgotten, under a half, in 23 s). Any score below 0 also
 * takes a peer out of gossipsub's mesh, which it may rejoin only after the prune backoff (60 s);
 * an honest peer, whose messages are never rejected, scores 0 here.
 * Gossipsub takes what direct peers (the validators of `ain net init`) send whatever their score.
 */
export class RejectedGossip {
  static readonly weight = -20;
  static readonly decayPerSecond = 0.97;
  /** Peers remembered at most; past it the one rejected longest ago is forgotten. */
  static readonly peersMax = 10_000;
  readonly #counts = new Map<string, { count: number; atMs: number }>();
  constructor(readonly now: () => number = Date.now) {}

  /** The peer's count of rejected messages, decayed to now. */
  count(peer: string): number {
    const entry = this.#counts.get(peer);
    if (entry === undefined) return 0;
    return entry.count * RejectedGossip.decayPerSecond ** ((this.now() - entry.atMs) / 1000);
  }

  /** What gossipsub adds to the peer's score (its `appSpecificScore`, weight 1). */
  score(peer: string): number {
    const count = this.count(peer);
    return count < 0.5 ? 0 : RejectedGossip.weight * count * count;
  }

  /** One more message of `peer` rejected; returns whether this one put it below the graylist threshold. */
  rejected(peer: string): boolean {
    const before = this.score(peer);
    const count = this.count(peer) + 1;
    this.#counts.delete(peer);
    this.#counts.set(peer, { count, atMs: this.now() });
    if (this.#counts.size > RejectedGossip.peersMax) this.#counts.delete(this.#counts.keys().next().value!);
    const { graylistThreshold } = gossipScoreThresholds;
    return before >= graylistThreshold && this.score(peer) < graylistThreshold;
  }
}

/**
 * libp2p itself, its transport, encryption, muxer and services: loaded when a node is first made,
 * not when this module is. Every process that reads a config imports this folder (`ain net init`
 * writes peer ids), and only a node of a peer-to-peer network runs libp2p: a node on the
 * embedded or Kafka log, an agent and every other `ain` command start without loading it.
 */
async function loadLibp2p() {
  const [{ createLibp2p }, { tcp }, { noise }, { yamux }, { identify }, { bootstrap }, { gossipsub, StrictNoSign }, { lpStream }] = await Promise.all([
    import('libp2p'),
    import('@libp2p/tcp'),
    import('@chainsafe/libp2p-noise'),
    import('@chainsafe/libp2p-yamux'),
    import('@libp2p/identify'),
    import('@libp2p/bootstrap'),
    import('@libp2p/gossipsub'),
    import('@libp2p/utils'),
  ]);
  return { createLibp2p, tcp, noise, yamux, identify, bootstrap, gossipsub, StrictNoSign, lpStream } as const;
}
type Libp2pStack = Awaited<ReturnType<typeof loadLibp2p>>;

/** The libp2p node of the transport, made but not started. */
async function createNode(
  { createLibp2p, tcp, noise, yamux, identify, bootstrap, gossipsub, StrictNoSign }: Libp2pStack,
  init: Libp2pTransportInit,
  { limits, mesh, directPeers, announce, listen, rejected, dialOnly }: NodeParts,
  logger: Logger,
): Promise<Node> {
  const peerDiscovery: ((components: Parameters<ReturnType<typeof bootstrap>>[0]) => PeerDiscovery)[] =
    init.bootstrap !== undefined && init.bootstrap.length > 0 ? [bootstrap({ list: [...init.bootstrap], timeout: 0 })] : [];
  return createLibp2p({
    start: false,
    privateKey: await generateKeyPairFromSeed('Ed25519', init.seed),
    logger: libp2pLogger(logger),
    addresses: { listen: [listen], announce: announce.map(String) },
    ...(dialOnly === undefined ? {} : { connectionGater: configuredDialsOnly(dialOnly, logger) }),
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    services: {
      identify: identify(),
      pubsub: gossipsub({
        D: mesh.D,
        Dlo: mesh.Dlo,
        Dhi: mesh.Dhi,
        Dout: mesh.Dout,
        heartbeatInterval: mesh.heartbeatIntervalMs,
        seenTTL: mesh.seenTtlMs,
        globalSignaturePolicy: StrictNoSign,
        msgIdFn: (message) => messageIdOf(message.topic, message.data),
        fallbackToFloodsub: false,
        emitSelf: false,
        directPeers: directPeers.map((peer) => ({ id: peer.peerId, addrs: [peer.address] })),
        maxInboundDataLength: limits.maxGossipBytes + gossipFrameSlackBytes,
        scoreParams: { IPColocationFactorWhitelist: new Set(loopbackAddresses), appSpecificScore: (peer) => rejected.score(peer), appSpecificWeight: 1 },
        scoreThresholds: gossipScoreThresholds,
      }),
    },
  });
}
