import type { Logger } from 'pino';
import { Subject } from 'rxjs';
import { AinError } from '../../schemas/index.ts';
import type { MemoryHub, MemoryPeer, Packet } from './memoryPacket.ts';
import { messageIdText } from './messageId.ts';
import { checkOwnSize, fromPeerError, logRefusal, peerErrorOf, stoppedError } from './netErrors.ts';
import { createSeenCache } from './seenCache.ts';
import {
  answerLimitOf,
  defaultLimits,
  defaultRequestTimeoutMs,
  type GossipHandler,
  type PeerEvent,
  type PublishResult,
  type RequestHandler,
  type Transport,
  type TransportLimits,
  type Validation,
} from './transport.ts';

export interface MemoryTransportInit {
  readonly peerId: string;
  readonly limits?: Partial<TransportLimits>;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface MemoryTransportComponents {
  readonly hub: MemoryHub;
  readonly logger: Logger;
  /** Clock of the seen cache (gossipsub's seenTTL). */
  readonly now: () => number;
  /** Timers of request and handler time limits. */
  readonly timers: Timers;
  /** How long a message id is remembered, gossipsub's seenTTL. */
  readonly seenTtlMs: number;
  readonly seenMax: number;
}

interface Waiting {
  readonly peer: string;
  readonly protocol: string;
  readonly maxAnswerBytes: number;
  resolve(bytes: Uint8Array): void;
  reject(error: AinError): void;
}

/** One in-process transport of a memory network (see createMemoryNetwork), with the semantics of the libp2p one. */
export function createMemoryTransport(
  init: MemoryTransportInit,
  { hub, logger, now, timers, seenTtlMs, seenMax }: MemoryTransportComponents,
): Transport & MemoryPeer {
  const peerId = init.peerId;
  const limits: TransportLimits = { ...defaultLimits, ...init.limits };
  const log = logger.child({ peerId });
  const seen = createSeenCache({ ttlMs: seenTtlMs, maxEntries: seenMax, now });
  const topics = new Map<string, GossipHandler>();
  const handlers = new Map<string, RequestHandler>();
  const remoteTopics = new Map<string, Set<string>>(); // linked peer → its topics
  const waiting = new Map<number, Waiting>();
  const serving = new Map<string, number>(); // `${peer} ${protocol}` → handlers running
  const stopServing = new AbortController();
  const peerEvents$ = new Subject<PeerEvent>();
  let state: 'new' | 'running' | 'stopped' = 'new';
  let nextRequestId = 0;

  const subscribersOf = (topic: string) => [...remoteTopics].filter(([, set]) => set.has(topic)).map(([peer]) => peer);

  async function validate(handler: GossipHandler, bytes: Uint8Array, from: string, topic: string): Promise<Validation> {
    try {
      const result = handler.validate(bytes, from);
      return result instanceof Promise ? await result : result;
    } catch (error) {
      log.error({ err: error, topic, from }, 'gossip validator threw; the message is ignored');
      return 'ignore';
    }
  }

  async function onGossip(packet: Extract<Packet, { kind: 'gossip' }>): Promise<void> {
    const { topic, bytes, from } = packet;
    const handler = topics.get(topic);
    if (handler === undefined) return;
    if (bytes.length > limits.maxGossipBytes) {
      log.warn({ from, topic, bytes: bytes.length, maxBytes: limits.maxGossipBytes }, 'peer sent a gossip message over the size limit; dropped');
      return;
    }
    if (seen.seen(messageIdText(topic, bytes))) return;
    const validation = await validate(handler, bytes, from, topic);
    if (validation === 'reject') log.debug({ from, topic }, 'gossip message rejected by its validator; not forwarded');
    if ((validation !== 'accept' && validation !== 'keep') || state !== 'running') return;
    try {
      handler.onMessage(bytes, from);
    } catch (error) {
      log.error({ err: error, topic, from }, 'gossip handler threw');
    }
    if (validation === 'keep') return;
    for (const peer of subscribersOf(topic)) if (peer !== from) hub.send({ kind: 'gossip', from: peerId, to: peer, topic, bytes });
  }

  async function onRequest(packet: Extract<Packet, { kind: 'request' }>): Promise<void> {
    const { from, protocol, requestId, bytes } = packet;
    const answer = (reply: { bytes: Uint8Array } | { error: { code: string; message: string } }) =>
      hub.send({ kind: 'response', from: peerId, to: from, protocol, requestId, answer: reply });
    const handler = handlers.get(protocol);
    if (handler === undefined) return answer({ error: { code: 'NET_NO_HANDLER', message: `it does not serve ${protocol}` } });
    if (bytes.length > limits.maxRequestBytes) {
      log.warn({ from, protocol, bytes: bytes.length, maxBytes: limits.maxRequestBytes }, 'peer sent a request over the size limit; refused');
      return answer({ error: { code: 'NET_TOO_LARGE', message: `the request is over its limit of ${limits.maxRequestBytes} bytes` } });
    }
    const key = `${from} ${protocol}`;
    if ((serving.get(key) ?? 0) >= limits.maxInboundRequests) {
      log.warn({ from, protocol }, 'peer has too many requests in flight; refused');
      return answer({ error: { code: 'OVERLOADED', message: `it serves at most ${limits.maxInboundRequests} requests of one peer at once` } });
    }
    serving.set(key, (serving.get(key) ?? 0) + 1);
    const abort = new AbortController();
    const onStop = () => abort.abort();
    stopServing.signal.addEventListener('abort', onStop);
    const timer = timers.setTimeout(() => abort.abort(), limits.handlerTimeoutMs);
    try {
      const aborted = new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(new Error('aborted'))));
      const reply = await Promise.race([handler(bytes, from, abort.signal), aborted]);
      if (reply.length > limits.maxResponseBytes) {
        log.warn({ from, protocol, bytes: reply.length, maxBytes: limits.maxResponseBytes }, 'handler answered over the size limit; refused');
        answer({ error: { code: 'NET_TOO_LARGE', message: `the answer is over its limit of ${limits.maxResponseBytes} bytes` } });
      } else answer({ bytes: reply });
    } catch (error) {
      if (abort.signal.aborted) {
        log.warn({ from, protocol, handlerTimeoutMs: limits.handlerTimeoutMs }, 'handler did not answer in time or the transport stopped; abandoned');
        if (state === 'running') answer({ error: { code: 'NET_TIMEOUT', message: `its handler did not answer within ${limits.handlerTimeoutMs} ms` } });
      } else {
        logRefusal(log, error, from, protocol);
        answer({ error: peerErrorOf(error) });
      }
    } finally {
      timers.clearTimeout(timer);
      stopServing.signal.removeEventListener('abort', onStop);
      serving.set(key, (serving.get(key) ?? 1) - 1);
    }
  }

  function onResponse(packet: Extract<Packet, { kind: 'response' }>): void {
    const request = waiting.get(packet.requestId);
    if (request === undefined || request.peer !== packet.from)
      return log.debug({ from: packet.from, protocol: packet.protocol }, 'answer to no waiting request; dropped');
    waiting.delete(packet.requestId);
    const { answer } = packet;
    if ('error' in answer) return request.reject(fromPeerError(request.peer, request.protocol, answer.error));
    if (answer.bytes.length > request.maxAnswerBytes) {
      log.warn({ from: request.peer, protocol: request.protocol, bytes: answer.bytes.length }, 'peer answered over the size limit; refused');
      return request.reject(
        new AinError(
          'NET_TOO_LARGE',
          `Peer ${request.peer} answered ${request.protocol} with more than ${request.maxAnswerBytes} bytes; the answer was refused.`,
          { details: { peer: request.peer, protocol: request.protocol, maxBytes: request.maxAnswerBytes } },
        ),
      );
    }
    request.resolve(answer.bytes);
  }

  const transport: Transport & MemoryPeer = {
    peerId,
    peerEvents$: peerEvents$.asObservable(),
    async start() {
      if (state !== 'new') return;
      state = 'running';
      hub.join(transport);
    },
    async stop() {
      if (state === 'stopped') return;
      const wasRunning = state === 'running';
      state = 'stopped';
      stopServing.abort();
      for (const [id, request] of waiting) {
        waiting.delete(id);
        request.reject(stoppedError(`finish the request to ${request.peer}`));
      }
      if (wasRunning) hub.leave(peerId);
      peerEvents$.complete();
    },
    addresses: () => (state === 'running' ? [`/memory/${peerId}`] : []),
    async publish(topic, bytes): Promise<PublishResult> {
      if (state !== 'running') throw stoppedError(`publish on ${topic}`);
      checkOwnSize(bytes, limits.maxGossipBytes, 'gossip message');
      const id = messageIdText(topic, bytes);
      if (seen.has(id)) {
        log.debug({ topic }, 'published bytes already seen on the topic; not sent again');
        return { recipients: 0, outcome: 'duplicate' };
      }
      const to = subscribersOf(topic);
      if (to.length === 0) {
        log.debug({ topic }, 'no connected peer subscribes to the topic; nothing sent');
        return { recipients: 0, outcome: 'noPeers' };
      }
      seen.seen(id);
      for (const peer of to) hub.send({ kind: 'gossip', from: peerId, to: peer, topic, bytes });
      return { recipients: to.length, outcome: 'sent' };
    },
    subscribe(topic, handler) {
      const known = topics.has(topic);
      topics.set(topic, handler);
      if (!known && state === 'running') hub.announce(peerId, topic, true);
    },
    unsubscribe(topic) {
      if (topics.delete(topic) && state === 'running') hub.announce(peerId, topic, false);
    },
    async handle(protocol, handler) {
      handlers.set(protocol, handler);
    },
    async unhandle(protocol) {
      handlers.delete(protocol);
    },
    request(peer, protocol, bytes, options = {}) {
      if (state !== 'running') return Promise.reject(stoppedError(`send a request to ${peer}`));
      checkOwnSize(bytes, limits.maxRequestBytes, 'request');
      if (!hub.linked(peerId, peer)) {
        return Promise.reject(
          new AinError('NET_UNREACHABLE', `Peer ${peer} is not connected, so ${protocol} cannot be asked of it.`, { details: { peer, protocol } }),
        );
      }
      const timeoutMs = options.timeoutMs ?? defaultRequestTimeoutMs;
      const requestId = ++nextRequestId;
      return new Promise<Uint8Array>((resolve, reject) => {
        const end = () => {
          waiting.delete(requestId);
          timers.clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
        };
        const timedOut = () =>
          new AinError('NET_TIMEOUT', `Peer ${peer} did not answer ${protocol} within ${timeoutMs} ms.`, { details: { peer, protocol, timeoutMs } });
        const onAbort = () => {
          end();
          reject(timedOut());
        };
        const timer = timers.setTimeout(onAbort, timeoutMs);
        options.signal?.addEventListener('abort', onAbort);
        waiting.set(requestId, {
          peer,
          protocol,
          maxAnswerBytes: answerLimitOf(limits, options),
          resolve: (answer) => (end(), resolve(answer)),
          reject: (error) => (end(), reject(error)),
        });
        hub.send({ kind: 'request', from: peerId, to: peer, protocol, requestId, bytes });
      });
    },
    peers: () => [...remoteTopics.keys()],
    subscribers: subscribersOf,
    topics: () => topics.keys(),
    receive(packet) {
      if (state !== 'running') return;
      if (packet.kind === 'gossip') void onGossip(packet);
      else if (packet.kind === 'request') void onRequest(packet);
      else onResponse(packet);
    },
    linkUp(peer, theirs) {
      remoteTopics.set(peer, new Set(theirs));
      peerEvents$.next({ type: 'connect', peer });
      for (const topic of remoteTopics.get(peer) ?? []) peerEvents$.next({ type: 'subscribe', peer, topic });
    },
    linkDown(peer) {
      if (!remoteTopics.delete(peer)) return;
      for (const request of [...waiting.values()].filter((r) => r.peer === peer)) {
        request.reject(new AinError('NET_UNREACHABLE', `The connection to peer ${peer} closed before it answered ${request.protocol}.`, { details: { peer } }));
      }
      peerEvents$.next({ type: 'disconnect', peer });
    },
    remoteSubscription(peer, topic, subscribed) {
      const set = remoteTopics.get(peer);
      if (set === undefined || set.has(topic) === subscribed) return;
      if (subscribed) set.add(topic);
      else set.delete(topic);
      peerEvents$.next({ type: subscribed ? 'subscribe' : 'unsubscribe', peer, topic });
    },
  };
  return transport;
}
