import type { Logger } from 'pino';
import type { Ledger } from '../../actors/index.ts';
import { isAinError, safeParse } from '../../schemas/index.ts';
import { checkProgress, ProgressMessage } from '../api/index.ts';
import { peerJson, type Transport, type Validation } from '../net/index.ts';
import type { BlobAuthVerifier } from '../storage/index.ts';
import type { StreamHub } from '../streams/index.ts';

export interface ProgressGossipParameters {
  readonly transport: Pick<Transport, 'subscribe' | 'publish'>;
  /** `topicOf(chain, shard, 'progress')`. */
  readonly topic: string;
  readonly ledger: Ledger;
  readonly hub: Pick<StreamHub, 'progress'>;
  /** The node's verifier of signed requests (the progress route's own): a header is taken once per node. */
  readonly auth: BlobAuthVerifier;
  readonly logger: Logger;
}

const encoder = new TextEncoder();

/**
 * Workers' progress across the network: a node that accepts a worker's progress (its POST) gossips
 * it on the chain's `progress` topic, and every other node runs the same check on it
 * (`checkProgress`: the worker's signature, once, and the worker on the running request as of its
 * own ledger) before its `requests/<id>` stream shows it. So a client follows its request on any
 * node and sees every worker's progress. Best effort, as on one node: nothing is kept. A message
 * that is not a progress message, or whose header it proves wrong (a signature that does not
 * verify, another signer than the worker it names), is rejected (its sender scored down); one that
 * fails the rest of the check is ignored, as a node's ledger may not have applied the worker's
 * accept yet and a header past its clock window or seen before is stale, not proof of a bad peer.
 * @example const relay = createProgressGossip({ transport, topic, ledger, hub, auth, logger }); relay(message)
 */
export function createProgressGossip({ transport, topic, ledger, hub, auth, logger }: ProgressGossipParameters): (message: ProgressMessage) => void {
  const parse = (bytes: Uint8Array): ProgressMessage | undefined => {
    let json: unknown;
    try {
      json = peerJson(bytes, 'progress message');
    } catch {
      return undefined;
    }
    const parsed = safeParse(ProgressMessage, json);
    return parsed.success ? parsed.data : undefined;
  };
  transport.subscribe(topic, {
    validate(bytes, from): Validation {
      const message = parse(bytes);
      if (message === undefined) {
        logger.debug({ from }, 'a peer gossiped progress that is not a progress message; rejected');
        return 'reject';
      }
      try {
        checkProgress({ ledger, auth }, message);
        return 'accept';
      } catch (error) {
        const code = isAinError(error) ? error.code : undefined;
        // A header the message itself proves wrong (its shape, what it signs, its signature, its
        // signer) is no honest node's: they pass on only what their own check took. The rest
        // (the ledger, the clock, a nonce seen) depends on this node and when it checks.
        const reason = isAinError(error, 'BAD_AUTH') ? (error.details as { reason?: string } | undefined)?.reason : undefined;
        const proven = reason !== undefined && reason !== 'window' && reason !== 'replay';
        logger.debug({ from, request: message.request, code, reason }, `gossiped progress refused; ${proven ? 'rejected' : 'ignored'}`);
        return proven ? 'reject' : 'ignore';
      }
    },
    onMessage(bytes) {
      // Checked in validate (its nonce is spent now: it is not checked twice).
      const message = parse(bytes)!;
      for (const event of message.body.events) hub.progress(message.request, message.body.worker, event);
    },
  });
  return (message) => {
    transport.publish(topic, encoder.encode(JSON.stringify(message))).catch((error: unknown) => {
      logger.debug({ err: error, request: message.request }, 'progress not gossiped');
    });
  };
}
