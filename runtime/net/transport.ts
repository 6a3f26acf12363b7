import type { Observable } from 'rxjs';
import { maxGossipBytes } from '../../schemas/index.ts';

/**
 * What a gossip validator says of a message (gossipsub's three answers, and one of ain's):
 * - `accept`: deliver it and forward it to the other peers of the topic;
 * - `keep`: deliver it, do not forward it: the peer it came from hands it to the others itself
 *   (a validator's txs from another validator: see createTxGossip); no penalty;
 * - `reject`: provably invalid (bad shape, wrong chain, bad signature, unknown validator): neither
 *   delivered nor forwarded (gossipsub would also score the sender down on a topic given score
 *   parameters; ain gives none yet, so a reject stops the message, not the peer);
 * - `ignore`: stale, future or duplicate: neither delivered nor forwarded, no penalty.
 */
export type Validation = 'accept' | 'keep' | 'reject' | 'ignore';

/** A subscription to one topic. `from` is the peer that handed the message to this node (not always its author). */
export interface GossipHandler {
  /**
   * Runs before the message is forwarded. Cheap checks, or a promise of the check a message must
   * pass before it goes on (a non-direct peer's txs go through the mempool's boundary: the verify
   * threads, the journal); gossipsub sets no time limit on it. Throwing counts as `ignore`.
   */
  validate(bytes: Uint8Array, from: string): Validation | Promise<Validation>;
  /** An accepted or kept message, once per message id; throwing is logged, never passed on. */
  onMessage(bytes: Uint8Array, from: string): void;
}

/**
 * What became of a publish. Neither a topic with no subscribed peer nor bytes already published
 * is an error: a node that publishes early or twice goes on.
 */
export interface PublishResult {
  /** How many peers the message was handed to directly. */
  readonly recipients: number;
  /** `noPeers`: no connected peer subscribes to the topic; `duplicate`: these bytes were already seen on the topic; `failed`: logged with the reason. */
  readonly outcome: 'sent' | 'noPeers' | 'duplicate' | 'failed';
}

/** Answers one request; `signal` aborts when the answer is no longer wanted (time limit, stop). */
export type RequestHandler = (bytes: Uint8Array, from: string, signal: AbortSignal) => Promise<Uint8Array>;

export interface RequestOptions {
  /** How long to wait for the whole answer; default `defaultRequestTimeoutMs`. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /**
   * The largest answer this request takes, when it is less than the transport's
   * `maxResponseBytes`: an answer known to be small (a status) is refused (NET_TOO_LARGE) past
   * it, before a peer can make this node read and parse megabytes of it every poll.
   */
  readonly maxAnswerBytes?: number;
}

/** The most a request's answer may take: the transport's limit, or less when the request asks. */
export function answerLimitOf(limits: TransportLimits, options: RequestOptions): number {
  const asked = options.maxAnswerBytes;
  if (asked !== undefined && !(Number.isSafeInteger(asked) && asked > 0))
    throw new RangeError(`maxAnswerBytes is a positive whole number of bytes, not ${asked}`);
  return Math.min(limits.maxResponseBytes, asked ?? Infinity);
}

/** A peer came or went, or changed the topics it subscribes to. */
export type PeerEvent =
  | { readonly type: 'connect' | 'disconnect'; readonly peer: string }
  /** The peer's gossip was rejected until gossipsub drops all it sends, for a while (libp2p only: see RejectedGossip). */
  | { readonly type: 'graylisted'; readonly peer: string }
  | { readonly type: 'subscribe' | 'unsubscribe'; readonly peer: string; readonly topic: string };

/**
 * The network of a node: gossip on topics, request/response with one peer, and who is connected.
 * Implemented over libp2p (`createLibp2pTransport`) and in memory for simulations
 * (`createMemoryNetwork`); one contract suite (test/runtime/net/contract.ts) holds both to the
 * same behaviour. Subscriptions and handlers may be set before `start`; they apply once it runs.
 * Errors thrown are the caller's (`NET_STOPPED`, `NET_TOO_LARGE` for its own bytes) or a failed
 * request's; a peer's bad frames are logged with the reason and never thrown into the node.
 */
export interface Transport {
  /** This node's peer id (libp2p: derived from its Ed25519 key). */
  readonly peerId: string;
  start(): Promise<void>;
  /** Stops once: requests in flight end with NET_STOPPED, `peerEvents$` completes. */
  stop(): Promise<void>;
  /** Where other nodes reach this one (libp2p: multiaddrs ending in `/p2p/<peerId>`); empty until started. */
  addresses(): string[];
  /** Gossips `bytes` on `topic`; throws NET_STOPPED when not running and NET_TOO_LARGE over the limit. */
  publish(topic: string, bytes: Uint8Array): Promise<PublishResult>;
  /** One handler per topic; subscribing again replaces it. */
  subscribe(topic: string, handler: GossipHandler): void;
  unsubscribe(topic: string): void;
  /** One handler per protocol; handling again replaces it. */
  handle(protocol: string, handler: RequestHandler): Promise<void>;
  unhandle(protocol: string): Promise<void>;
  /**
   * Sends one request and waits for its answer. Fails with NET_TIMEOUT, NET_UNREACHABLE,
   * NET_NO_HANDLER, NET_TOO_LARGE, NET_BAD_FRAME, NET_HANDLER_FAILED or the code the peer's
   * handler refused with.
   */
  request(peer: string, protocol: string, bytes: Uint8Array, options?: RequestOptions): Promise<Uint8Array>;
  /** The peers connected now. */
  peers(): string[];
  /** The connected peers known to subscribe to `topic`. */
  subscribers(topic: string): string[];
  /** Peer connects, disconnects and subscription changes, from the moment of subscribing (hot). */
  readonly peerEvents$: Observable<PeerEvent>;
}

/** Size and time bounds of a transport; each side enforces its own. */
export interface TransportLimits {
  /** Largest gossip message (its data) published or accepted. */
  readonly maxGossipBytes: number;
  /** Largest request this node sends or reads. */
  readonly maxRequestBytes: number;
  /** Largest answer this node sends or reads. */
  readonly maxResponseBytes: number;
  /** A handler still running after this long is abandoned and the requester told NET_TIMEOUT. */
  readonly handlerTimeoutMs: number;
  /** Requests served at once per protocol and connection; more are refused. */
  readonly maxInboundRequests: number;
}

/**
 * The largest gossip message, 4 MiB (gossipsub's default frame size), a chain rule in schemas: a
 * proposed block is built under it. The libp2p transport lets a frame exceed it by a little, for
 * the envelope around the message.
 */
export { maxGossipBytes };

export const defaultRequestTimeoutMs = 5_000;

export const defaultLimits: TransportLimits = {
  maxGossipBytes,
  maxRequestBytes: 64 * 1024,
  maxResponseBytes: 16 * 1024 * 1024,
  handlerTimeoutMs: 10_000,
  maxInboundRequests: 16,
};
