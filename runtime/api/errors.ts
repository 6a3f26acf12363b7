import type { FastifyReply } from 'fastify';
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
      ? new AinError('TX_TOO_LARGE', 'The request body is far larger than one tx may be; put big payloads in Big Storage and send a blob:// reference.', { cause: error })
      : new AinError('BATCH_TOO_LARGE', 'The request body is larger than this node accepts; send fewer or smaller txs.', { cause: error });
  }
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new AinError('BAD_JSON', 'The request needs a JSON body.', { cause: error });
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AinError('BAD_SCHEMA', e.message ?? 'The request is malformed.', { cause: error });
  }
  return new AinError('INTERNAL', 'The node failed to handle the request; see its log.', { cause: error });
}

export function isErrorCode(code: string): code is ErrorCode {
  return code in errorCodes;
}
