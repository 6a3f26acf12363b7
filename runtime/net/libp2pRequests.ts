import type { Connection, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { lpStream as LpStream } from '@libp2p/utils';
import type { Libp2p } from 'libp2p';
import type { Logger } from 'pino';
import { AinError, type PeerError } from '../../schemas/index.ts';
import { checkOwnSize, fromPeerError, logRefusal, peerErrorOf, peerJson, stoppedError } from './netErrors.ts';
import { answerLimitOf, defaultRequestTimeoutMs, type RequestHandler, type RequestOptions, type TransportLimits } from './transport.ts';

// One request is one stream: the requester writes one length-prefixed frame (the request's bytes)
// and reads one back, whose first byte says what follows: the answer's bytes, or a JSON PeerError.
const answerOk = 0;
const answerError = 1;

/**
 * Room for a frame over the limit to arrive whole, so its length is refused with a clear error
 * (NET_TOO_LARGE) instead of a reset stream. A frame past the limit and this slack is refused as
 * well (logged), but its requester, still writing into a stream this side stopped reading, may
 * see a reset instead of the answer: the price of never buffering what a peer declares.
 */
const bufferSlackBytes = 64 * 1024;

const tooLarge = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'StreamBufferError']);

export interface RequestService {
  handle(protocol: string, handler: RequestHandler): Promise<void>;
  unhandle(protocol: string): Promise<void>;
  request(peer: string, protocol: string, bytes: Uint8Array, options?: RequestOptions): Promise<Uint8Array>;
  /** Registers the protocols handled before the node started. */
  start(): Promise<void>;
}

function frame(status: number, body: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(body.length + 1);
  bytes[0] = status;
  bytes.set(body, 1);
  return bytes;
}

const errorFrame = (error: PeerError) => frame(answerError, new TextEncoder().encode(JSON.stringify(error)));

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The request/response half of the libp2p transport: bounded frames, bounded time, every peer fault logged with its reason. */
/** Request handlers of one protocol at work at once, from all peers: past it a request of it is refused OVERLOADED. */
export const maxWorkingHandlers = 64;

export function createRequestService({
  libp2p,
  lpStream,
  limits,
  logger,
  stopped,
  running,
}: {
  libp2p: Libp2p;
  /** @libp2p/utils' length-prefixed stream, loaded with libp2p (loadLibp2p in libp2pTransport.ts). */
  lpStream: typeof LpStream;
  limits: TransportLimits;
  logger: Logger;
  /** Aborts when the transport stops: requests and handlers in flight end. */
  stopped: AbortSignal;
  running: () => boolean;
}): RequestService {
  const handlers = new Map<string, RequestHandler>();
  const registered = new Set<string>();
  /**
   * Handlers at work, by `<peer> <protocol>`, and by protocol: until the handler's promise settles, not
   * only while its stream is open. libp2p's `maxInboundStreams` counts open streams, so a peer
   * that reset each stream right after its request started a handler per request, all running
   * (reading a 15 MiB blob each: gigabytes within seconds).
   */
  const working = new Map<string, number>();
  /** By protocol, from all peers: slow requests of one kind (function calls, blobs) do not stop the others (status, catch-up). */
  const workingAll = new Map<string, number>();

  async function serve(protocol: string, stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString();
    // The requester gone (its stream reset or closed before the answer): the handler stops too.
    const gone = new AbortController();
    stream.addEventListener('close', () => gone.abort(new Error('the requester closed the stream')), { once: true });
    const signal = AbortSignal.any([AbortSignal.timeout(limits.handlerTimeoutMs), stopped, gone.signal]);
    const lp = lpStream(stream, { maxDataLength: limits.maxRequestBytes, maxBufferSize: limits.maxRequestBytes + bufferSlackBytes });
    const answer = async (bytes: Uint8Array) => {
      await lp.write(bytes, { signal });
      await stream.close({ signal });
      if (stream.status === 'closed' || stream.status === 'aborted' || stream.status === 'reset') return;
      // A requester closes its side once it has the answer. One that never does would hold the
      // stream, and one of the protocol's inbound slots on its connection, until the connection
      // ends: after a handler's time it is reset (the answer was written before).
      const timer = setTimeout(() => stream.abort(new Error('the requester did not close its side after the answer')), limits.handlerTimeoutMs);
      timer.unref();
      stream.addEventListener('close', () => clearTimeout(timer), { once: true });
    };
    let request: Uint8Array;
    try {
      request = (await lp.read({ signal })).subarray();
    } catch (error) {
      const name = (error as Error).name;
      if (!tooLarge.has(name)) {
        logger.debug({ from, protocol, reason: (error as Error).message }, 'peer sent no whole request');
        return stream.abort(error as Error);
      }
      logger.warn({ from, protocol, maxBytes: limits.maxRequestBytes, reason: (error as Error).message }, 'peer sent a request over the size limit; refused');
      return answer(errorFrame({ code: 'NET_TOO_LARGE', message: `the request is over its limit of ${limits.maxRequestBytes} bytes` }));
    }
    const handler = handlers.get(protocol);
    if (handler === undefined) return answer(errorFrame({ code: 'NET_NO_HANDLER', message: `it no longer serves ${protocol}` }));
    // Reset before this handler was even given the stream (its request still buffered): its 'close' came before the listener.
    if (stream.status !== 'open') gone.abort(new Error(`the requester's stream is ${stream.status}`));
    if (gone.signal.aborted) return logger.debug({ from, protocol }, 'the requester left before the answer');
    const key = `${from} ${protocol}`;
    const all = workingAll.get(protocol) ?? 0;
    if ((working.get(key) ?? 0) >= limits.maxInboundRequests || all >= maxWorkingHandlers) {
      logger.debug({ from, protocol, working: working.get(key) ?? 0, all }, 'too many requests at work; refused');
      return answer(
        errorFrame({
          code: 'OVERLOADED',
          message: `it works on at most ${limits.maxInboundRequests} requests of one peer for ${protocol} at once, and ${maxWorkingHandlers} of all peers`,
        }),
      );
    }
    working.set(key, (working.get(key) ?? 0) + 1);
    workingAll.set(protocol, all + 1);
    const work = handler(request, from, signal);
    void work
      .catch(() => undefined)
      .finally(() => {
        const allLeft = workingAll.get(protocol)! - 1;
        if (allLeft === 0) workingAll.delete(protocol);
        else workingAll.set(protocol, allLeft);
        const left = working.get(key)! - 1;
        if (left === 0) working.delete(key);
        else working.set(key, left);
      });
    let reply: Uint8Array;
    try {
      reply = await untilAborted(work, signal);
    } catch (error) {
      if (stopped.aborted) return stream.abort(new Error('the transport stopped'));
      if (gone.signal.aborted) return logger.debug({ from, protocol }, 'the requester left before the answer');
      if (signal.aborted) {
        logger.warn({ from, protocol, handlerTimeoutMs: limits.handlerTimeoutMs }, 'request handler did not answer in time; abandoned');
        return answer(errorFrame({ code: 'NET_TIMEOUT', message: `its handler did not answer within ${limits.handlerTimeoutMs} ms` }));
      }
      logRefusal(logger, error, from, protocol);
      return answer(errorFrame(peerErrorOf(error)));
    }
    if (reply.length > limits.maxResponseBytes) {
      logger.warn({ from, protocol, bytes: reply.length, maxBytes: limits.maxResponseBytes }, 'request handler answered over the size limit; refused');
      return answer(errorFrame({ code: 'NET_TOO_LARGE', message: `the answer is over its limit of ${limits.maxResponseBytes} bytes` }));
    }
    return answer(frame(answerOk, reply));
  }

  async function register(protocol: string): Promise<void> {
    if (registered.has(protocol)) return;
    registered.add(protocol);
    await libp2p.handle(
      protocol,
      (stream, connection) =>
        serve(protocol, stream, connection).catch((error: unknown) => {
          logger.debug({ from: connection.remotePeer.toString(), protocol, reason: (error as Error).message }, 'could not answer a request');
          stream.abort(error as Error);
        }),
      { maxInboundStreams: limits.maxInboundRequests },
    );
  }

  /** The AinError for a failed request, from what failed and which signal fired. */
  function failure(
    error: unknown,
    peer: string,
    protocol: string,
    phase: 'dial' | 'exchange',
    signal: AbortSignal,
    timeoutMs: number,
    maxAnswerBytes: number,
  ): AinError {
    const details = { peer, protocol, reason: (error as Error).message };
    const name = (error as Error).name;
    if (error instanceof AinError) return error;
    if (stopped.aborted) return stoppedError(`finish the request to ${peer}`);
    if (signal.aborted) {
      return new AinError('NET_TIMEOUT', `Peer ${peer} did not answer ${protocol} within ${timeoutMs} ms.`, { details: { ...details, timeoutMs } });
    }
    if (name === 'UnsupportedProtocolError') return new AinError('NET_NO_HANDLER', `Peer ${peer} does not serve ${protocol}.`, { details });
    if (phase === 'dial') return new AinError('NET_UNREACHABLE', `Peer ${peer} could not be reached for ${protocol}: ${details.reason}`, { details });
    if (tooLarge.has(name)) {
      return new AinError('NET_TOO_LARGE', `Peer ${peer} answered ${protocol} with more than ${maxAnswerBytes} bytes; the answer was refused.`, {
        details: { ...details, maxBytes: maxAnswerBytes },
      });
    }
    return new AinError('NET_BAD_FRAME', `Peer ${peer} ended the ${protocol} stream before a whole answer: ${details.reason}`, { details });
  }

  function decode(answer: Uint8Array, peer: string, protocol: string): Uint8Array {
    if (answer[0] === answerOk) return answer.subarray(1);
    if (answer[0] === answerError) {
      let json: unknown;
      try {
        json = peerJson(answer.subarray(1), 'error answer');
      } catch {
        json = undefined;
      }
      throw fromPeerError(peer, protocol, json);
    }
    throw new AinError('NET_BAD_FRAME', `Peer ${peer} answered ${protocol} with a frame of unknown kind ${answer[0] ?? '(empty)'}.`, {
      details: { peer, protocol },
    });
  }

  return {
    async handle(protocol, handler) {
      handlers.set(protocol, handler);
      if (running()) await register(protocol);
    },
    async unhandle(protocol) {
      handlers.delete(protocol);
      if (registered.delete(protocol)) await libp2p.unhandle(protocol);
    },
    async start() {
      for (const protocol of handlers.keys()) await register(protocol);
    },
    async request(peer, protocol, bytes, options = {}) {
      if (!running()) throw stoppedError(`send a request to ${peer}`);
      checkOwnSize(bytes, limits.maxRequestBytes, 'request');
      const timeoutMs = options.timeoutMs ?? defaultRequestTimeoutMs;
      const maxAnswerBytes = answerLimitOf(limits, options);
      const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), stopped, ...(options.signal === undefined ? [] : [options.signal])]);
      let peerId;
      try {
        peerId = peerIdFromString(peer);
      } catch (cause) {
        throw new AinError('NET_UNREACHABLE', `${peer} is not a peer id, so ${protocol} cannot be asked of it.`, { cause, details: { peer, protocol } });
      }
      let stream: Stream;
      try {
        stream = await libp2p.dialProtocol(peerId, protocol, { signal });
      } catch (error) {
        const failed = failure(error, peer, protocol, 'dial', signal, timeoutMs, maxAnswerBytes);
        logger.debug({ peer, protocol, code: failed.code, reason: failed.message }, 'request failed');
        throw failed;
      }
      try {
        // One byte more than the answer's limit: the frame's kind comes before it.
        const lp = lpStream(stream, { maxDataLength: maxAnswerBytes + 1, maxBufferSize: maxAnswerBytes + bufferSlackBytes });
        await lp.write(bytes, { signal });
        const answer = (await lp.read({ signal })).subarray();
        void stream.close({ signal }).catch((error: unknown) => stream.abort(error as Error));
        return decode(answer, peer, protocol);
      } catch (error) {
        const failed = failure(error, peer, protocol, 'exchange', signal, timeoutMs, maxAnswerBytes);
        if (stream.status === 'open') stream.abort(error as Error);
        logger.debug({ peer, protocol, code: failed.code, reason: failed.message }, 'request failed');
        throw failed;
      }
    },
  };
}
