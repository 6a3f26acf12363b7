import type { Logger } from 'pino';
import { z } from 'zod';
import type { Ledger } from '../../actors/index.ts';
import { AinError, FunctionId, JsonValue, parseOrThrow, StatePath } from '../../schemas/index.ts';
import type { InvocationHub } from '../api/index.ts';
import { invokeHash } from '../client/index.ts';
import type { Transport } from '../net/index.ts';
import type { BlobAuthVerifier } from '../storage/index.ts';
import { requestJson } from './netService.ts';

/** Peers asked, one after another, for a worker of a function's owner. */
export const peerCallPeersMax = 8;
/** How long one peer has to answer a call: its pickup and its worker's answer. */
export const peerCallTimeoutMs = 40_000;

/**
 * A `call` request: the function, the path and input of the call, and the caller's signed header
 * when the call was signed (every node checks it again, with its own clock window and nonces).
 */
export const PeerCallRequest = z.strictObject({
  functionId: FunctionId,
  path: StatePath,
  input: JsonValue.optional(),
  authorization: z.string().max(4096).optional(),
});
export type PeerCallRequest = z.infer<typeof PeerCallRequest>;

/** What a peer answers a call with. */
const PeerCallAnswer = z.strictObject({ output: JsonValue, ms: z.number().nonnegative() });

/** Calls, through the peers, a function whose owner's worker takes calls from another node. */
export interface PeerCalls {
  /** The output from the first peer whose worker of the owner took the call; NO_FUNCTION_WORKER when none has one. */
  call(request: PeerCallRequest): Promise<{ readonly output: unknown; readonly ms: number }>;
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
/** Refusals that say a peer's worker took the call (or the caller's signature is bad): the call's answer. Anything else: ask the next peer. */
const definite = new Set(['FUNCTION_FAILED', 'FUNCTION_TIMEOUT', 'BAD_AUTH']);

/**
 * Functions on HTTP calls across the network: a function worker takes calls from one node (the
 * one it follows), and a call made to another node reaches it through the peers. A node answers
 * its peers' `call` requests only for the owners whose workers take calls from it, finding the
 * function in its own ledger and checking a signed caller again; `call` asks the peers in turn.
 * @example const calls = await createPeerCallService({ transport, protocol, ledger, hub, auth, logger })
 */
export async function createPeerCallService({ transport, protocol, ledger, hub, auth, logger }: PeerCallServiceParameters): Promise<PeerCalls> {
  await transport.handle(protocol, async (bytes) => {
    const { functionId, path, input, authorization } = parseOrThrow(PeerCallRequest, requestJson(bytes, 'call'), 'call request');
    const caller =
      authorization === undefined
        ? null
        : auth.verify(authorization, { method: 'PUT', hash: invokeHash(functionId, { path, ...(input === undefined ? {} : { input }) }) });
    const found = ledger.tree.functionAt(path, functionId);
    if (found === null) throw new AinError('UNKNOWN_FUNCTION', `No function ${functionId} is registered at a pattern that ${path} matches on this node.`);
    const owner = found.spec.owner;
    if (owner === undefined || !hub.hasWorker(owner))
      throw new AinError('NO_FUNCTION_WORKER', `No function worker of ${owner ?? 'the function’s owner'} takes calls from this node.`);
    const { output, ms } = await hub.invoke({
      functionId,
      function: found.spec,
      functionPath: found.functionPath,
      path,
      params: found.params,
      input: input ?? null,
      caller,
      height: ledger.height,
    });
    return encoder.encode(JSON.stringify({ output, ms }));
  });

  return {
    async call(request) {
      const bytes = encoder.encode(JSON.stringify(request));
      const peers = transport.peers().slice(0, peerCallPeersMax);
      for (const peer of peers) {
        let answer: Uint8Array;
        try {
          answer = await transport.request(peer, protocol, bytes, { timeoutMs: peerCallTimeoutMs });
        } catch (error) {
          if (error instanceof AinError && definite.has(error.code)) throw error;
          logger.debug({ peer, error: (error as Error).message }, 'a peer did not run a function call');
          continue;
        }
        try {
          return parseOrThrow(PeerCallAnswer, requestJson(answer, 'call answer'), 'call answer');
        } catch (error) {
          logger.warn({ peer, error: (error as Error).message }, 'a peer answered a function call with something else; skipped');
        }
      }
      throw new AinError(
        'NO_FUNCTION_WORKER',
        `No function worker of the function's owner takes calls from this node, nor from the ${peers.length} peers it asked; start one (ain agent --role function).`,
      );
    },
  };
}
