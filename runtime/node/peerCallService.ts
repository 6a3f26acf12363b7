import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Ledger } from '../../actors/index.ts';
import { AinError, FunctionId, parseOrThrow, StatePath } from '../../schemas/index.ts';
import { CallJson } from '../api/index.ts';
import type { InvocationAnswer, InvocationHub } from '../api/index.ts';
import { answerHash } from '../client/index.ts';
import { defaultLimits, peerJson, type Transport } from '../net/index.ts';
import type { BlobAuthVerifier } from '../storage/index.ts';

/** Peers asked, one after another, for a worker of a function's owner. */
export const peerCallPeersMax = 8;
/** How long a peer's worker has to take a forwarded call, and then to answer it: together within the peer's handler time. */
export const peerCallPickupMs = 2000;
export const peerCallAnswerMs = defaultLimits.handlerTimeoutMs - peerCallPickupMs - 1000;
/** How long one peer has to answer a call. */
export const peerCallTimeoutMs = defaultLimits.handlerTimeoutMs + 1000;

/**
 * A `call` request: the id the asking node chose (the worker signs its answer over it), the
 * function, and the call's path and input. A call goes to peers unsigned: a caller's header is
 * not handed on, so the function sees `caller: null`.
 */
export const PeerCallRequest = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{32}$/, { message: 'must be 32 lowercase hex characters' }),
  functionId: FunctionId,
  path: StatePath,
  input: CallJson.optional(),
});
export type PeerCallRequest = z.infer<typeof PeerCallRequest>;

const Answer = z.union([
  z.strictObject({ output: CallJson }),
  z.strictObject({ error: z.strictObject({ code: z.string().min(1).max(64), message: z.string().max(2048) }) }),
]);
/** What a peer answers a call with: its worker's answer as the worker signed it. */
const PeerCallAnswer = z.strictObject({ answer: Answer, authorization: z.string().max(4096), ms: z.number().nonnegative() });

/** Calls, through the peers, a function whose owner's worker takes calls from another node. */
export interface PeerCalls {
  /**
   * The answer of the first peer whose worker of `owner` ran the call, checked against `owner`'s
   * signature over this call's id (a peer cannot make one up); NO_FUNCTION_WORKER when none did.
   */
  call(request: Omit<PeerCallRequest, 'id'>, owner: string): Promise<{ readonly answer: InvocationAnswer; readonly ms: number }>;
}

export interface PeerCallServiceParameters {
  readonly transport: Pick<Transport, 'handle' | 'request' | 'peers'>;
  /** `protocolOf(chain, shard, 'call')`. */
  readonly protocol: string;
  readonly ledger: Ledger;
  readonly hub: InvocationHub;
  /** This node's verifier of signed requests (the API's own, so a nonce is used once per node). */
  readonly auth: BlobAuthVerifier;
  readonly logger: Logger;
}

const encoder = new TextEncoder();

/**
 * Functions on HTTP calls across the network: a function worker takes calls from one node (the
 * one it follows), and a call made to another node reaches it through the peers. A node answers
 * its peers' `call` requests only for the owners whose workers take calls from it, finding the
 * function in its own ledger, within its handler's time (the call ends when the asker is gone);
 * `call` asks the peers in turn and takes only an answer the owner signed.
 * @example const calls = await createPeerCallService({ transport, protocol, ledger, hub, auth, logger })
 */
export async function createPeerCallService({ transport, protocol, ledger, hub, auth, logger }: PeerCallServiceParameters): Promise<PeerCalls> {
  await transport.handle(protocol, async (bytes, _from, signal) => {
    const { id, functionId, path, input } = parseOrThrow(PeerCallRequest, peerJson(bytes, 'call request'), 'call request');
    const found = ledger.tree.functionAt(path, functionId);
    if (found === null) throw new AinError('UNKNOWN_FUNCTION', `No function ${functionId} is registered at a pattern that ${path} matches on this node.`);
    const owner = found.spec.owner;
    if (owner === undefined || !hub.hasWorker(owner))
      throw new AinError('NO_FUNCTION_WORKER', `No function worker of ${owner ?? 'the function’s owner'} takes calls from this node.`);
    const signed = await hub.invoke(
      {
        functionId,
        function: found.spec,
        functionPath: found.functionPath,
        path,
        params: found.params,
        input: input ?? null,
        caller: null,
        height: ledger.height,
      },
      { id, pickupMs: peerCallPickupMs, answerMs: peerCallAnswerMs, signal },
    );
    return encoder.encode(JSON.stringify(signed));
  });

  return {
    async call(request, owner) {
      const peers = transport.peers().slice(0, peerCallPeersMax);
      for (const peer of peers) {
        const id = randomBytes(16).toString('hex');
        let bytes: Uint8Array;
        try {
          bytes = await transport.request(peer, protocol, encoder.encode(JSON.stringify({ id, ...request })), { timeoutMs: peerCallTimeoutMs });
        } catch (error) {
          logger.debug({ peer, error: (error as Error).message }, 'a peer did not run a function call');
          continue;
        }
        try {
          const { answer, authorization, ms } = parseOrThrow(PeerCallAnswer, peerJson(bytes, 'call answer'), 'call answer');
          const signer = auth.verify(authorization, { method: 'ANSWER', hash: answerHash(id, answer) });
          if (signer !== owner) throw new AinError('BAD_AUTH', `the answer is signed by ${signer}, not by the function's owner ${owner}`);
          return { answer, ms };
        } catch (error) {
          logger.warn({ peer, error: (error as Error).message }, 'a peer answered a function call with an answer its owner did not sign; skipped');
        }
      }
      throw new AinError(
        'NO_FUNCTION_WORKER',
        `No function worker of ${owner} takes calls from this node, nor from the ${peers.length} peers it asked; start one (ain agent --role function).`,
      );
    },
  };
}
