import { z } from 'zod';
import { explainJob, explainRequest, readJobSchema, readRequest, type Chain, type ExplainInput } from '../../actors/index.ts';
import { AinError, Hash } from '../../schemas/index.ts';
import type { BlockStore } from '../blocks/index.ts';
import { doc, type Api } from './openApi.ts';

export interface ExplainRoutesOptions {
  /** The chain the node folds: its ledger, read models and the latest block's time. */
  readonly chain: Pick<Chain, 'ledger' | 'readModels' | 'position'>;
  /** Where a refused tx's sentence is read (its block's outcome); absent: codes only. */
  readonly blocks?: Pick<BlockStore, 'findTx'>;
}

const IdParam = z.strictObject({ id: Hash });

/** `GET /v1/requests/<id>/explain` and `GET /v1/jobs/<id>/explain`: why a request or job is where it is, in sentences and JSON. */
export function explainRoutes(app: Api, { chain, blocks }: ExplainRoutesOptions): void {
  const input = (): ExplainInput => ({
    tree: chain.ledger.tree,
    height: chain.ledger.height,
    readModels: chain.readModels,
    // Before the first block, genesis time is "now".
    time: chain.ledger.height === 0 ? chain.ledger.genesis.time : chain.position.prevTime,
    ...(blocks === undefined
      ? {}
      : {
          messageOf: ({ hash, height, index }) => {
            const found = blocks.findTx(hash);
            return found !== undefined && found.height === height && found.index === index ? found.outcome.message : undefined;
          },
        }),
  });

  app.get('/v1/requests/:id/explain', doc('requests', 'Why a job request is where it is, in sentences and JSON.', { params: IdParam }), async (request) => {
    const { id } = request.params;
    const explained = explainRequest(input(), id);
    if (explained !== null) return explained;
    if (readJobSchema(chain.ledger.tree, id) !== null) {
      throw new AinError('UNKNOWN_JOB', `${id} is a job, not a job request; GET /v1/jobs/${id}/explain explains it.`);
    }
    throw new AinError(
      'UNKNOWN_JOB',
      `No job request has the id ${id} on this node (as of block ${chain.ledger.height}); check the id, or wait for its requestJob's block.`,
    );
  });

  app.get(
    '/v1/jobs/:id/explain',
    doc('jobs', 'Why a job is where it is (who may work on it, what waits), in sentences and JSON.', { params: IdParam }),
    async (request) => {
      const { id } = request.params;
      const explained = explainJob(input(), id);
      if (explained !== null) return explained;
      if (readRequest(chain.ledger.tree, id) !== null) {
        throw new AinError('UNKNOWN_JOB', `${id} is a job request, not a job; GET /v1/requests/${id}/explain explains it.`);
      }
      throw new AinError(
        'UNKNOWN_JOB',
        `No job schema has the id ${id} on this node (as of block ${chain.ledger.height}); check the id, or wait for its registerJob's block.`,
      );
    },
  );
}
