import Fastify, { type FastifyInstance } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AinError } from '../../schemas/index.ts';
import { ledgerRoutes, type LedgerRoutesOptions } from './ledgerRoutes.ts';
import { blobRoutes, type BlobRoutesOptions } from './blobRoutes.ts';
import { readRoutes, type ReadRoutesOptions } from './readRoutes.ts';
import { sendError, toAinError } from './errors.ts';
import { jobRoutes, type JobRoutesOptions } from './jobRoutes.ts';
import { streamRoutes, type StreamRoutesOptions } from './streamRoutes.ts';
import { txRoutes, type TxRoutesOptions } from './txRoutes.ts';

export interface ApiOptions extends TxRoutesOptions, ReadRoutesOptions, Partial<Omit<LedgerRoutesOptions, 'blocks'>> {
  /** Largest request body accepted, in bytes. */
  readonly bodyBytesMax: number;
  /** Big Storage at `/v1/blobs`; absent: no blob routes. */
  readonly blobs?: BlobRoutesOptions;
  /** Job protocol reads (`/v1/jobs`, `/v1/nodes`, `/v1/reputation`, `/v1/dashboard`); absent: none. */
  readonly jobs?: JobRoutesOptions;
  /** `/v1/streams/<name>` as Server-Sent Events; absent: none. */
  readonly streams?: StreamRoutesOptions;
}

/**
 * Requests the HTTP parser refuses before any route sees them, answered as every error is, with
 * `{ code, message }`. A request that timed out or a connection reset gets no answer, only closed.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || socket.destroyed) {
    socket.destroy();
    return;
  }
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new AinError('TOO_LARGE', 'The request line and headers are larger than this node reads (16 KiB); send a shorter path and fewer or smaller headers.')
      : new AinError('BAD_SCHEMA', `The request is not well-formed HTTP/1.1 (${error.code ?? 'a parse error'}); see docs/api.md.`);
  const body = JSON.stringify(refusal.toJSON());
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

/**
 * The HTTP API under `/v1`. Every body is JSON whatever its content type; every error is
 * `{ code, message }` with the code's status.
 */
export function createApi(options: ApiOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: options.bodyBytesMax, logger: false, clientErrorHandler: answerClientError });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (cause) {
      done(new AinError('BAD_JSON', `The body is not valid JSON: ${(cause as Error).message}.`, { cause }), undefined);
    }
  });
  app.setErrorHandler((error, request, reply) => sendError(reply, toAinError(error, request.routeOptions.url)));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new AinError('NOT_FOUND', `There is no ${request.method} ${request.url.split('?')[0]} on this node; see docs/api.md.`)),
  );
  txRoutes(app, options);
  readRoutes(app, options);
  if (options.ledger !== undefined && options.waitFinal !== undefined) {
    ledgerRoutes(app, { ...options, ledger: options.ledger, waitFinal: options.waitFinal });
  }
  if (options.jobs !== undefined) jobRoutes(app, options.jobs);
  if (options.streams !== undefined) streamRoutes(app, options.streams);
  if (options.blobs !== undefined) void app.register(blobRoutes, options.blobs);
  return app;
}
