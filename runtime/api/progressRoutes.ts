import { z } from 'zod';
import { readRequest, type Ledger } from '../../actors/index.ts';
import { Address, AinError, Hash, RunEvent } from '../../schemas/index.ts';
import { progressBodyHash } from '../client/index.ts';
import { createBlobAuthVerifier, type BlobAuthVerifier } from '../storage/index.ts';
import type { StreamHub } from '../streams/index.ts';
import { doc, type Api } from './openApi.ts';

export interface ProgressRoutesOptions {
  readonly ledger: Ledger;
  readonly hub: Pick<StreamHub, 'progress'>;
  /** Default: a verifier with a 60 s window on the wall clock. */
  readonly auth?: BlobAuthVerifier;
  /** Passes accepted progress on to the network's other nodes (their request streams); absent: this node's stream only. */
  readonly relay?: (message: ProgressMessage) => void;
}

/** Events one post carries at most; a worker posts as its run streams them. */
export const progressEventsMax = 32;

const IdParam = z.strictObject({ id: Hash });
export const ProgressBody = z.strictObject({
  worker: Address,
  events: z.array(RunEvent).min(1).max(progressEventsMax),
});
export type ProgressBody = z.infer<typeof ProgressBody>;

/** A worker's progress as nodes pass it on to each other: the request, the body and the worker's signed header, checked again by each node. */
export const ProgressMessage = z.strictObject({ request: Hash, body: ProgressBody, authorization: z.string().max(4096) });
export type ProgressMessage = z.infer<typeof ProgressMessage>;

/**
 * The one check of a worker's progress, on every path it reaches a node by (its POST, a peer's
 * gossip): the worker it names is on the request while it runs, as of this node's ledger, and the
 * header signs this body (method PROGRESS, hash progressBodyHash) by that worker, within the clock
 * window and once (the nonce is remembered). Returns the worker; UNKNOWN_JOB, NOT_ALLOWED or BAD_AUTH.
 */
export function checkProgress(
  { ledger, auth }: { readonly ledger: Ledger; readonly auth: BlobAuthVerifier },
  { request: id, body, authorization }: { readonly request: string; readonly body: ProgressBody; readonly authorization: string | undefined },
): string {
  // What the ledger says first (cheap, and no signature is remembered for a refused post): a peer's
  // gossip of progress for requests that do not exist filled the replay memory every signed
  // request of the node shares, and had them all refused OVERLOADED.
  const worker = body.worker;
  const found = readRequest(ledger.tree, id);
  if (found === null) throw new AinError('UNKNOWN_JOB', `No job request has the id ${id} on this node (as of block ${ledger.height}).`);
  if (found.context.workers[worker] === undefined)
    throw new AinError('NOT_ALLOWED', `${worker} is not a worker on request ${id}; only its workers report progress on it.`);
  if (found.state !== 'running' && found.state !== 'accepted')
    throw new AinError('NOT_ALLOWED', `Request ${id} is ${found.state}: its workers' runs are over, so it takes no more progress.`);
  return auth.verify(authorization, { method: 'PROGRESS', hash: progressBodyHash(body), signer: worker });
}

/**
 * `POST /v1/requests/<id>/progress`: a worker of a running request reports what its run streams
 * (progress fractions, stderr lines), signed as Big Storage requests are (`Authorization: Ain …`,
 * method PROGRESS, hash: progressBodyHash). The node checks the signer is a worker on the request while
 * it runs, and hands the events to the `requests/<id>` stream's subscribers; it keeps nothing.
 */
export function progressRoutes(app: Api, { ledger, hub, auth = createBlobAuthVerifier(), relay }: ProgressRoutesOptions): void {
  const progressDoc = doc('requests', 'A worker of a running request reports its run’s progress and stderr lines to the request’s stream (signed).', {
    params: IdParam,
    body: ProgressBody,
  });
  app.post('/v1/requests/:id/progress', progressDoc, async (request, reply) => {
    const { id } = request.params;
    const body = request.body;
    const authorization = request.headers.authorization;
    const signer = checkProgress({ ledger, auth }, { request: id, body, authorization });
    for (const event of body.events) hub.progress(id, signer, event);
    relay?.({ request: id, body, authorization: authorization! });
    return reply.code(202).send({ accepted: body.events.length });
  });
}
