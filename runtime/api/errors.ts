import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AinError, errorCodes, type ErrorCode } from '../../schemas/index.ts';

/** Sends `{ code, message }` with the code's HTTP status. */
export function sendError(reply: FastifyReply, error: AinError): FastifyReply {
  return reply.code(error.status).send(error.toJSON());
}

/** Maps anything thrown in a handler (ours, fastify's, or a bug) to an AinError. */
export function toAinError(error: unknown, route?: string): AinError {
  if (error instanceof AinError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return route === '/v1/tx'
      ? new AinError('TX_TOO_LARGE', 'The request body is far larger than one tx may be; put big payloads in Big Storage and send a blob:// reference.', {
          cause: error,
        })
      : new AinError('BATCH_TOO_LARGE', 'The request body is larger than this node accepts; send fewer or smaller txs.', { cause: error });
  }
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AinError('BAD_JSON', 'The request needs a JSON body.', { cause: error });
  }
  if (e.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return new AinError('BAD_REQUEST', 'The request body is not as long as its Content-Length header says; send the header that matches the body.', {
      cause: error,
    });
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AinError('BAD_REQUEST', `The request is malformed: ${e.message ?? 'fastify refused it'}.`, { cause: error });
  }
  return new AinError('INTERNAL', 'The node failed to handle the request; see its log.', { cause: error });
}

/**
 * Maps the errors fastify meets before routing a request (fastify's `frameworkErrors`), which it
 * would otherwise answer in a shape of its own.
 */
export function frameworkError(error: { code?: string }, url: string): AinError {
  const path = url.split('?')[0];
  if (error.code === 'FST_ERR_BAD_URL') {
    return new AinError(
      'BAD_REQUEST',
      `The URL ${path} is not valid: a %-escape in it does not decode to UTF-8 text; percent-encode the UTF-8 bytes of each label (as encodeURIComponent does).`,
      { cause: error },
    );
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new AinError('BAD_REQUEST', `The URL ${path} has a part longer than this node reads (100 characters); check the hash, address or id in it.`, {
      cause: error,
    });
  }
  return toAinError(error);
}

/** The sentence for a request node's HTTP parser refused before fastify saw it. */
function clientError(error: { code?: string }): AinError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new AinError('BAD_REQUEST', 'The request headers are larger than this node accepts (16 KiB in all by default); send fewer or shorter headers.', {
      cause: error,
    });
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new AinError('BAD_REQUEST', 'The request did not arrive in full in time; send it again.', { cause: error });
  }
  return new AinError('BAD_REQUEST', `The request is not valid HTTP/1.1 (${error.code ?? 'unparsable'}); check its request line, headers and body framing.`, {
    cause: error,
  });
}

/**
 * Answers on the raw socket when the request is not HTTP the server can parse (fastify's
 * `clientErrorHandler`), in `{ code, message }` like every other error, then closes it.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return; // nobody is there to answer
  if (socket.writable) {
    const refusal = clientError(error);
    const body = JSON.stringify(refusal.toJSON());
    socket.write(
      `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

export function isErrorCode(code: string): code is ErrorCode {
  return code in errorCodes;
}
