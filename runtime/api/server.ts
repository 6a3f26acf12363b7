import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { AinError } from '../../schemas/index.ts';
import { ledgerRoutes, type LedgerRoutesOptions } from './ledgerRoutes.ts';
import { blobRoutes, type BlobRoutesOptions } from './blobRoutes.ts';
import { readRoutes, type ReadRoutesOptions } from './readRoutes.ts';
import { answerClientError, frameworkError, sendError, toAinError } from './errors.ts';
import { explainRoutes, type ExplainRoutesOptions } from './explainRoutes.ts';
import { jobRoutes, type JobRoutesOptions } from './jobRoutes.ts';
import { functionRoutes, type FunctionRoutesOptions } from './functionRoutes.ts';
import { progressRoutes, type ProgressRoutesOptions } from './progressRoutes.ts';
import { ratingRoutes, type RatingRoutesOptions } from './ratingRoutes.ts';
import { requestRoutes } from './requestRoutes.ts';
import { shardRoutes, type ShardRoutesOptions } from './shardRoutes.ts';
import { streamRoutes, type StreamRoutesOptions } from './streamRoutes.ts';
import { openApi, openApiRoute } from './openApi.ts';
import { txRoutes, type TxRoutesOptions } from './txRoutes.ts';
import { uiRoutes, type UiRoutesOptions } from '../web/index.ts';

export interface ApiOptions extends TxRoutesOptions, ReadRoutesOptions, Partial<Omit<LedgerRoutesOptions, 'blocks'>> {
  /** Largest request body accepted, in bytes. */
  readonly bodyBytesMax: number;
  /** Big Storage at `/v1/blobs`; absent: no blob routes. */
  readonly blobs?: BlobRoutesOptions;
  /** Job protocol reads (`/v1/jobs`, `/v1/nodes`, `/v1/reputation`, `/v1/dashboard`); absent: none. */
  readonly jobs?: JobRoutesOptions;
  /** `GET /v1/reputation/<address>/history`: nodes' Elo over time; absent: none. */
  readonly ratings?: RatingRoutesOptions;
  /** `POST /v1/requests/<id>/progress` for the `requests/<id>` stream; absent: none. */
  readonly progress?: ProgressRoutesOptions;
  /** `/v1/requests/<id>/explain` and `/v1/jobs/<id>/explain`; absent: none. */
  readonly explain?: ExplainRoutesOptions;
  /** `POST /v1/functions/<id>/invoke` and the function workers' takes and answers; absent: none. */
  readonly functions?: FunctionRoutesOptions;
  /** Shards branched from this chain (`/v1/shards`); absent: none. */
  readonly shards?: ShardRoutesOptions;
  /** `/v1/streams/<name>` as Server-Sent Events; absent: none. */
  readonly streams?: StreamRoutesOptions;
  /** The dashboard at `/` (web/); absent: none. */
  readonly ui?: UiRoutesOptions;
  /** The other chains this process serves (`ain node --data D1 --data D2 …`): `?shard=` hands a request to one. */
  readonly chains?: ChainsInProcess;
}

/** The chains one process serves, by shard, each able to answer a request for itself. */
export interface ChainsInProcess {
  /** The chain of `shard`'s API as a request handler, if this process serves it. */
  route(shard: string): ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
  /** The shards this process serves. */
  shards(): readonly string[];
}

/**
 * The HTTP API under `/v1`. Every body is JSON whatever its content type; every error is
 * `{ code, message }` with the code's status, fastify's own refusals (bad URLs, unparsable
 * HTTP, requests while closing) included. `GET /openapi.json` describes every route, from the zod
 * schemas they validate with.
 */
export function createApi(options: ApiOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.bodyBytesMax,
    logger: false,
    frameworkErrors: (error, request, reply) => void sendError(reply, frameworkError(error, request.url)),
    clientErrorHandler: answerClientError,
    // Refused below with SHUTTING_DOWN instead of fastify's own 503 body.
    return503OnClosing: false,
  });
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    return sendError(
      reply,
      new AinError('SHUTTING_DOWN', 'The node is stopping and takes no more requests; send it to another node or retry once this one is back.'),
    );
  });
  // `?shard=S` asks for chain S: this node's own, another this process serves (its API answers,
  // before anything is read of the body), or none here (UNKNOWN_SHARD).
  const own = options.shard?.path ?? '/';
  app.addHook('onRequest', (request, reply, done) => {
    const asked = (request.query as { shard?: unknown } | undefined)?.shard;
    if (Array.isArray(asked)) {
      return void sendError(reply, new AinError('BAD_SCHEMA', 'query field "shard": give it once; it names the one chain the request is for.'));
    }
    if (typeof asked !== 'string' || asked === own) return done();
    const route = options.chains?.route(asked);
    if (route === undefined) {
      const served = options.chains?.shards() ?? [own];
      const keeps = served.length > 1 ? `This process keeps shards ${served.join(', ')}` : `This node keeps shard ${own}`;
      return void sendError(
        reply,
        new AinError('UNKNOWN_SHARD', `${keeps}, not ${asked}: ask a node of shard ${asked}.`, { details: { shard: asked, served } }),
      );
    }
    reply.hijack();
    route(request.raw, reply.raw);
  });
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
  // The routes go in a plugin loaded after the OpenAPI one, which learns each as it is added.
  void openApi(app).register(async (api) => {
    openApiRoute(api);
    txRoutes(api, options);
    readRoutes(api, options);
    if (options.ledger !== undefined && options.waitFinal !== undefined) {
      ledgerRoutes(api, { ...options, ledger: options.ledger, waitFinal: options.waitFinal });
    }
    if (options.jobs !== undefined) jobRoutes(api, options.jobs);
    if (options.jobs !== undefined) requestRoutes(api, options.jobs);
    if (options.ratings !== undefined) ratingRoutes(api, options.ratings);
    if (options.explain !== undefined) explainRoutes(api, options.explain);
    if (options.progress !== undefined) progressRoutes(api, options.progress);
    if (options.shards !== undefined) shardRoutes(api, options.shards);
    if (options.functions !== undefined) functionRoutes(api, options.functions);
    if (options.streams !== undefined) streamRoutes(api, options.streams);
    if (options.blobs !== undefined) void api.register(blobRoutes, options.blobs);
    const ui = options.ui;
    if (ui !== undefined) void api.register(async (scope) => uiRoutes(scope, ui));
  });
  return app;
}
