import type { Logger } from 'pino';
import { jsonTextTooDeep } from '../../log/index.ts';
import { AinError, errorCodes, maxTxJsonDepth, PeerError, safeParse, type ErrorCode } from '../../schemas/index.ts';

/** The longest sentence of a peer's that is passed on in an error. */
const peerMessageMaxChars = 300;

export function stoppedError(what: string): AinError {
  return new AinError('NET_STOPPED', `Cannot ${what}: the network transport is not running (not started yet, or stopped).`);
}

/** Refuses the caller's own bytes over a limit before anything is sent. */
export function checkOwnSize(bytes: Uint8Array, maxBytes: number, what: string): void {
  if (bytes.length > maxBytes) {
    throw new AinError('NET_TOO_LARGE', `The ${what} is ${bytes.length} bytes, more than the ${maxBytes} the transport allows; nothing was sent.`, {
      details: { bytes: bytes.length, maxBytes },
    });
  }
}

/**
 * The AinError a requester throws for the error a peer answered with. The peer's JSON is checked
 * like any input from outside: a code the catalogue does not list is the peer's fault.
 * @example throw fromPeerError('12D3…', '/ain/1/ain-local/req/status', { code: 'NET_TIMEOUT', message: '…' })
 */
export function fromPeerError(peer: string, protocol: string, json: unknown): AinError {
  const parsed = safeParse(PeerError, json);
  const details = { peer, protocol };
  if (!parsed.success || !Object.hasOwn(errorCodes, parsed.data.code)) {
    return new AinError('NET_BAD_FRAME', `Peer ${peer} answered ${protocol} with an error that is not of the protocol's shape or codes.`, { details });
  }
  const said = parsed.data.message.slice(0, peerMessageMaxChars);
  const code = parsed.data.code as ErrorCode;
  if (errorCodes[code].status === 500) {
    // A code of the peer's own machine (its disk, its log): not ours to act on.
    return new AinError('NET_HANDLER_FAILED', `Peer ${peer} answered ${protocol} with a failure of its own (${code}): ${said}`, {
      details: { ...details, remote: true, remoteCode: code },
    });
  }
  return new AinError(code, `Peer ${peer} answered ${protocol} with ${code}: ${said}`, { details: { ...details, remote: true } });
}

/**
 * What a serving node tells the requester when its handler threw: a refusal's code and sentence
 * (an AinError), else only that it failed; failures of its own machine (status 500) stay its own.
 */
export function peerErrorOf(error: unknown): PeerError {
  if (error instanceof AinError && error.status !== 500) return { code: error.code, message: error.message.slice(0, peerMessageMaxChars) };
  return { code: 'NET_HANDLER_FAILED', message: 'its handler failed while answering' };
}

/**
 * Logs what a request handler threw. A refusal of the peer's request (an AinError below 500: its
 * bad JSON, schema, range) is the peer's doing: one short line at debug, as for its other
 * refusals, so a peer sending garbage in a loop does not write a stack per request into the
 * node's log. Anything else is the handler's own failure: a warning with its stack.
 */
export function logRefusal(logger: Pick<Logger, 'debug' | 'warn'>, error: unknown, from: string, protocol: string): void {
  if (error instanceof AinError && error.status < 500) logger.debug({ from, protocol, code: error.code, reason: error.message }, 'refused a peer request');
  else logger.warn({ err: error, from, protocol }, 'request handler failed');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A peer's bytes (a request, or an answer) as JSON, or BAD_JSON: the one parse every protocol's
 * handler and requester runs, so a peer's garbage gets the same code whichever protocol it came by.
 * @example const { from, count } = parseOrThrow(BlocksByRangeRequest, peerJson(bytes, 'blocks-by-range request'), 'blocks-by-range request')
 */
export function peerJson(bytes: Uint8Array, what: string): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (cause) {
    throw new AinError('BAD_JSON', `The ${what} is not UTF-8 JSON.`, { cause });
  }
  return peerJsonText(text, what);
}

/**
 * The most arrays and objects a peer's JSON may nest: a tx's own limit with room for the
 * envelopes around it (a call's input, a block's records). Nothing ain sends nests deeper;
 * `JSON.parse` of a few MiB of brackets takes seconds and a gigabyte, so it is refused first.
 */
export const maxPeerJsonDepth = maxTxJsonDepth + 8;

/** A peer's JSON text as a value, or BAD_JSON (not JSON, or nested deeper than `maxPeerJsonDepth`, found in one linear pass before it is parsed). */
export function peerJsonText(text: string, what: string): unknown {
  if (jsonTextTooDeep(text, maxPeerJsonDepth)) {
    throw new AinError('BAD_JSON', `The ${what} nests arrays and objects deeper than ${maxPeerJsonDepth} levels, which nothing ain sends does.`);
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AinError('BAD_JSON', `The ${what} is not UTF-8 JSON.`, { cause });
  }
}
