import { z } from 'zod';
import type { Ledger } from '../../actors/index.ts';
import { jsonValueTooDeep } from '../../log/index.ts';
import { Address, AinError, FunctionId, JsonValue, maxTxJsonDepth, StatePath } from '../../schemas/index.ts';
import { answerHash, invokeHash, takeHash } from '../client/index.ts';
import { createBlobAuthVerifier, type BlobAuthVerifier } from '../storage/index.ts';
import { createInvocationHub, type InvocationAnswer, type InvocationHub, type InvocationHubOptions } from './invocations.ts';
import { doc, type Api } from './openApi.ts';

export interface FunctionRoutesOptions extends InvocationHubOptions {
  readonly ledger: Ledger;
  /** Where calls meet this node's workers; default: one of the routes' own (the node shares its with the peers' calls). */
  readonly hub?: InvocationHub;
  /** A call whose owner's worker takes calls from no worker here goes to the peers (on a network); their answers are checked against the owner's signature. */
  readonly peers?: {
    call(request: { functionId: string; path: string; input?: unknown }, owner: string): Promise<{ answer: InvocationAnswer; ms: number }>;
  };
  /** Checks signed calls and the workers' takes and answers; default: a 60 s window on the wall clock. */
  readonly auth?: BlobAuthVerifier;
  /** Longest long poll a worker may ask for (`waitMs`). */
  readonly takeWaitMsMax?: number;
}

const IdParam = z.strictObject({ id: FunctionId });
const InvocationParam = z.strictObject({ invocation: z.string().regex(/^[0-9a-f]{32}$/, { message: 'must be 32 lowercase hex characters' }) });
/**
 * A call's input or a worker's output: JSON nested at most as deep as a tx's (`maxTxJsonDepth`),
 * whether it comes over HTTP or from a peer (`call`), whose JSON a node reads only that deep.
 */
export const CallJson = JsonValue.refine((value) => !jsonValueTooDeep(value, maxTxJsonDepth), {
  message: `nests arrays and objects deeper than ${maxTxJsonDepth} levels`,
});
export const InvokeBody = z.strictObject({
  /** A concrete path the function's pattern matches: its `$variables` are bound from it. */
  path: StatePath,
  input: CallJson.optional(),
});
export type InvokeBody = z.infer<typeof InvokeBody>;
const TakeQuery = z.strictObject({
  owner: Address,
  waitMs: z.coerce.number().int().min(0).max(60_000).optional(),
  /** Calls to hand out at most (a worker asks for what it has room to run). */
  max: z.coerce.number().int().min(1).max(16).optional(),
});

/** A worker's answer as the caller gets it: its output, or FUNCTION_FAILED with its code and sentence. */
function outputOf(functionId: string, owner: string, answer: InvocationAnswer): unknown {
  if ('error' in answer) {
    throw new AinError('FUNCTION_FAILED', `The function ${functionId} failed on ${owner}'s worker: ${answer.error.code}: ${answer.error.message}`);
  }
  return answer.output;
}
export const InvocationAnswerBody = z.union([
  z.strictObject({ output: CallJson }),
  z.strictObject({ error: z.strictObject({ code: z.string().min(1).max(64), message: z.string().max(2048) }) }),
]);
export type InvocationAnswerBody = z.infer<typeof InvocationAnswerBody>;

/**
 * Functions on HTTP calls (the serverless draft: back-end code run on "blockchain state changes"
 * and on "HTTP endpoint calls"). `POST /v1/functions/<id>/invoke` finds function `<id>` at the
 * pattern the body's `path` matches, hands the call to a function worker of its owner that takes
 * calls from this node (`GET /v1/functions/invocations?owner=`, signed by the owner), and answers
 * with the output that worker posts back (`POST /v1/functions/invocations/<id>`); what the
 * function writes goes through the worker's signed txs, as for triggers.
 */
export function functionRoutes(app: Api, options: FunctionRoutesOptions): InvocationHub {
  const { ledger, auth = createBlobAuthVerifier(), takeWaitMsMax = 25_000, peers } = options;
  const hub = options.hub ?? createInvocationHub(options);
  app.addHook('preClose', (done) => {
    hub.close();
    done();
  });

  const invokeDoc = doc('functions', 'Runs a registered function on its owner’s function worker with the request’s input, and answers its output.', {
    params: IdParam,
    body: InvokeBody,
  });
  app.post('/v1/functions/:id/invoke', invokeDoc, async (request) => {
    const { id } = request.params;
    const body = request.body;
    const authorization = request.headers.authorization;
    const caller = authorization === undefined ? null : auth.verify(authorization, { method: 'INVOKE', hash: invokeHash(id, body) });
    const found = ledger.tree.functionAt(body.path, id);
    if (found === null) {
      throw new AinError(
        'UNKNOWN_FUNCTION',
        `No function ${id} is registered at a pattern that ${body.path} matches (as of block ${ledger.height}); register it with set_function, or call it with a path under its pattern.`,
      );
    }
    if (found.spec.owner === undefined) {
      throw new AinError(
        'NO_FUNCTION_WORKER',
        `The function ${id} at ${found.functionPath} names no owner, so no function worker runs it; set it again with an owner.`,
      );
    }
    const owner = found.spec.owner;
    const answer = { function: id, path: body.path, functionPath: found.functionPath, worker: owner };
    if (peers !== undefined && !hub.hasWorker(owner)) {
      // No worker of the owner takes calls from this node: one of the peers' may. The call goes
      // unsigned (a caller's header is not handed on), and only the owner's signed answer counts.
      const forwarded = await peers.call({ functionId: id, path: body.path, ...(body.input === undefined ? {} : { input: body.input }) }, owner);
      return { ...answer, output: outputOf(id, owner, forwarded.answer), ms: forwarded.ms, via: 'peer' };
    }
    const signed = await hub.invoke({
      functionId: id,
      function: found.spec,
      functionPath: found.functionPath,
      path: body.path,
      params: found.params,
      input: body.input ?? null,
      caller,
      height: ledger.height,
    });
    return { ...answer, output: outputOf(id, owner, signed.answer), ms: signed.ms };
  });

  const takeDoc = doc('functions', 'A function worker takes the calls waiting for its owner (a long poll, signed by the owner).', { querystring: TakeQuery });
  app.get('/v1/functions/invocations', takeDoc, async (request, reply) => {
    const { owner, waitMs, max } = request.query;
    const signer = auth.verify(request.headers.authorization, { method: 'TAKE', hash: takeHash(owner) });
    if (signer !== owner) throw new AinError('BAD_AUTH', `The take is signed by ${signer}, not by ${owner}: a worker takes only its own owner's calls.`);
    // A worker that goes away while it waits takes nothing: the calls wait for another.
    const gone = new AbortController();
    reply.raw.once('close', () => gone.abort());
    return { invocations: await hub.take(owner, Math.min(waitMs ?? 20_000, takeWaitMsMax), gone.signal, max) };
  });

  const answerDoc = doc('functions', 'A function worker answers a call it took with the function’s output or its error (signed by the owner).', {
    params: InvocationParam,
    body: InvocationAnswerBody,
  });
  app.post('/v1/functions/invocations/:invocation', answerDoc, async (request, reply) => {
    const { invocation } = request.params;
    const authorization = request.headers.authorization;
    const signer = auth.verify(authorization, { method: 'ANSWER', hash: answerHash(invocation, request.body) });
    if (!hub.answer(signer, invocation, request.body, authorization!)) {
      throw new AinError(
        'NOT_FOUND',
        `No call ${invocation} taken by ${signer} waits for an answer here: it was answered, timed out, or another owner's worker took it.`,
      );
    }
    return reply.code(204).send();
  });
  return hub;
}
