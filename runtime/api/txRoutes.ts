import type { FastifyInstance } from 'fastify';
import { splitJsonArray, type Ingest } from '../ingest/index.ts';
import { checkJsonTextKeys, jsonTextTooDeep, tooDeep } from '../../log/index.ts';
import { AinError, errorCodes, maxTxJsonDepth } from '../../schemas/index.ts';
import { isErrorCode, sendError } from './errors.ts';

export interface TxRoutesOptions {
  readonly ingest: Pick<Ingest, 'submit'>;
  readonly maxBatchTxs: number;
  readonly maxTxBytes: number;
}

/** The txs of a batch body: a JSON array of signed txs, or an object `{ "txs": [...] }`. */
function batchTexts(body: string, maxBatchTxs: number): string[] {
  const split = splitJsonArray(body, maxBatchTxs);
  if (split !== null) return split;
  if (body.trim() === '') throw new AinError('BAD_JSON', 'The request has no body; send a JSON array of signed txs.');
  if (jsonTextTooDeep(body, maxTxJsonDepth + 2)) throw tooDeep();
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    throw new AinError('BAD_JSON', `The body is not valid JSON: ${(cause as Error).message}.`, { cause });
  }
  // Its txs go on as JSON.stringify writes them, which would hide a key given twice.
  checkJsonTextKeys(body, 'batch');
  const txs = (parsed as { txs?: unknown } | null)?.txs;
  if (!Array.isArray(txs)) throw new AinError('BAD_SCHEMA', 'A batch is a JSON array of signed txs, or an object { "txs": [...] }.');
  if (txs.length > maxBatchTxs) {
    throw new AinError('BATCH_TOO_LARGE', `The batch has ${txs.length} txs; this node takes at most ${maxBatchTxs} per request.`, { details: { maxBatchTxs } });
  }
  return txs.map((tx) => JSON.stringify(tx));
}

/** A request's body as the parser left it: fastify parses no body at all for a request that has none. */
const bodyText = (body: unknown): string => (typeof body === 'string' ? body : '');

/**
 * `POST /v1/tx` (one signed tx) and `POST /v1/txs` (a batch). Bodies stay text here: the verify
 * threads parse them, so the event loop only moves strings.
 */
export function txRoutes(app: FastifyInstance, { ingest, maxBatchTxs, maxTxBytes }: TxRoutesOptions): void {
  // One tx's body: its signed bytes plus sig and whatever whitespace a client adds; far past that is refused unread.
  const txBodyBytesMax = maxTxBytes * 4 + 1024;
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    scope.post('/v1/tx', { bodyLimit: txBodyBytesMax }, async (request, reply) => {
      const [result] = await ingest.submit([bodyText(request.body)]);
      if (result === undefined) throw new AinError('INTERNAL', 'The node returned no result for the tx.');
      if ('code' in result) {
        const status = isErrorCode(result.code) ? errorCodes[result.code].status : 400;
        return reply.code(status).send({ code: result.code, message: result.message });
      }
      return reply.code(202).send(result);
    });

    scope.post('/v1/txs', async (request, reply) => {
      let texts: string[];
      try {
        texts = batchTexts(bodyText(request.body), maxBatchTxs);
      } catch (error) {
        if (error instanceof AinError) return sendError(reply, error);
        throw error;
      }
      const results = await ingest.submit(texts);
      const accepted = results.filter((r) => 'offset' in r).length;
      return reply.code(202).send({ accepted, refused: results.length - accepted, results });
    });
  });
}
