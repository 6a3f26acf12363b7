import type { FastifyInstance } from 'fastify';
import type { Ingest } from '../ingest/index.ts';
import { AinError, errorCodes } from '../../schemas/index.ts';
import { isErrorCode, sendError } from './errors.ts';

export interface TxRoutesOptions {
  readonly ingest: Ingest;
  readonly maxBatchTxs: number;
}

/** `POST /v1/tx` (one signed tx) and `POST /v1/txs` (a JSON array of them, or `{ txs: [...] }`). */
export function txRoutes(app: FastifyInstance, { ingest, maxBatchTxs }: TxRoutesOptions): void {
  app.post('/v1/tx', async (request, reply) => {
    const [result] = await ingest.submit([request.body]);
    if (result === undefined) throw new AinError('INTERNAL', 'The node returned no result for the tx.');
    if ('code' in result) {
      const status = isErrorCode(result.code) ? errorCodes[result.code].status : 400;
      return reply.code(status).send({ code: result.code, message: result.message });
    }
    return reply.code(202).send(result);
  });

  app.post('/v1/txs', async (request, reply) => {
    const body = request.body as unknown;
    const txs = Array.isArray(body) ? body : (body as { txs?: unknown } | null)?.txs;
    if (!Array.isArray(txs)) {
      return sendError(reply, new AinError('BAD_SCHEMA', 'A batch is a JSON array of signed txs, or an object { "txs": [...] }.'));
    }
    if (txs.length > maxBatchTxs) {
      return sendError(reply, new AinError('BATCH_TOO_LARGE', `The batch has ${txs.length} txs; this node takes at most ${maxBatchTxs} per request.`, { details: { maxBatchTxs } }));
    }
    const results = await ingest.submit(txs);
    const accepted = results.filter((r) => 'offset' in r).length;
    return reply.code(202).send({ accepted, refused: results.length - accepted, results });
  });
}
