import { ok, refuse } from '../../projections/index.ts';
import type { OpOf } from '../../schemas/index.ts';
import { short, unknownJob, type JobOpContext, type JobOpResult } from './jobSchemaRecord.ts';
import { jobPaths } from './jobStore.ts';
import { readRequest } from './requestOps.ts';

// Encrypted job data (the architecture paper: "secure ways to share the decryption keys only with
// those involved"): a client encrypts its request's input under a key of its own and seals that
// key to each node that took the request, to the box key the node published when it accepted.

/** The states in which a request's nodes still work on it. */
const open = new Set(['accepted', 'running', 'ranking', 'ranked', 'challenged', 'blindChallenged']);

/** `shareKey`: the client's sealed key for the request's evaluator or one of its workers, once each. */
export function applyShareKey(ctx: JobOpContext, op: OpOf<'shareKey'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const request = readRequest(tree, op.request_id);
  if (request === null) return unknownJob(op.request_id);
  const { context } = request;
  if (context.client !== from) return { outcome: refuse('NOT_ALLOWED', `Only request ${short(op.request_id)}'s client ${context.client} shares its key.`) };
  if (context.evaluator !== op.node && context.workers[op.node] === undefined) {
    return { outcome: refuse('NOT_ALLOWED', `${op.node} has not accepted request ${short(op.request_id)}; the key goes only to the nodes that took it.`) };
  }
  if (!open.has(request.state))
    return { outcome: refuse('ILLEGAL_TRANSITION', `Request ${short(op.request_id)} is ${request.state}; nobody works on it now.`) };
  if (tree.get(jobPaths.boxKey(op.request_id, op.node)) === null) {
    return {
      outcome: refuse(
        'INVALID_JOB_REQUEST',
        `${op.node} published no box_key when it accepted request ${short(op.request_id)}, so nothing can be sealed to it.`,
      ),
    };
  }
  if (tree.get(jobPaths.sharedKey(op.request_id, op.node)) !== null) {
    return { outcome: refuse('ILLEGAL_TRANSITION', `Request ${short(op.request_id)}'s key is shared with ${op.node} already.`) };
  }
  tree.writeSystem(jobPaths.sharedKey(op.request_id, op.node), op.sealed);
  return { outcome: ok, events: [{ type: 'keyShared', job: context.job, request: op.request_id, client: from, node: op.node, time, height }] };
}
