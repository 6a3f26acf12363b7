import { z } from 'zod';
import { splitJsonArray, type Ingest } from '../ingest/index.ts';
import { checkJsonTextKeys, jsonTextTooDeep, tooDeep } from '../../log/index.ts';
import { AinError, errorCodes, Hash, maxTxJsonDepth, Tx, txTextBytesMaxFor, Uint } from '../../schemas/index.ts';
import { isErrorCode, sendError } from './errors.ts';
import { doc, type Api } from './openApi.ts';

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

const Accepted = z
  .object({ hash: Hash, offset: Uint })
  .describe('The tx was appended to the log at `offset`; `GET /v1/tx/<hash>` tells what it came to once in a block.');
const Refused = z.object({ code: z.string(), message: z.string() });
const BatchAnswer = z
  .object({ accepted: Uint, refused: Uint, results: z.array(z.union([Accepted, Refused])) })
  .describe('Each tx of the batch in order: taken (hash and offset) or refused at the boundary (code and sentence).');
const Batch = z.union([z.array(Tx), z.object({ txs: z.array(Tx) })]);

/**
 * The tx routes read their bodies as text and the verify threads check each tx (schema, hex,
 * address, signature, size) with its own codes: the body schemas describe, they do not validate here.
 */
const bodyChecked = { validatorCompiler: () => () => true };

/** A request's body as the parser left it: fastify parses no body at all for a request that has none. */
const bodyText = (body: unknown): string => (typeof body === 'string' ? body : '');

/**
 * `POST /v1/tx` (one signed tx) and `POST /v1/txs` (a batch). Bodies stay text here: the verify
 * threads parse them, so the event loop only moves strings.
 */
export function txRoutes(app: Api, { ingest, maxBatchTxs, maxTxBytes }: TxRoutesOptions): void {
  // One tx's body: its signed bytes plus sig and whatever whitespace a client adds; past that it is refused unread (as the verify pool refuses such a text from anywhere).
  const txBodyBytesMax = txTextBytesMaxFor(maxTxBytes);
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    const txDoc = doc('txs', 'Submit one signed tx (DESIGN.md, "The wire format"): 202 once it is in the log.', { body: Tx, response: { 202: Accepted } });
    scope.post('/v1/tx', { ...txDoc, ...bodyChecked, bodyLimit: txBodyBytesMax }, async (request, reply) => {
      const [result] = await ingest.submit([bodyText(request.body)]);
      if (result === undefined) throw new AinError('INTERNAL', 'The node returned no result for the tx.');
      if ('code' in result) {
        const status = isErrorCode(result.code) ? errorCodes[result.code].status : 400;
        return reply.code(status).send({ code: result.code, message: result.message });
      }
      return reply.code(202).send(result);
    });

    const batchDoc = doc('txs', 'Submit a batch of signed txs: a JSON array, or `{ "txs": [...] }`.', { body: Batch, response: { 202: BatchAnswer } });
    scope.post('/v1/txs', { ...batchDoc, ...bodyChecked }, async (request, reply) => {
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
