import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AinError, parseOrThrow } from '../../schemas/index.ts';
import { defaultLimits, peerJson, type Transport } from '../net/index.ts';
import type { BlobAuthVerifier, BlobStore } from '../storage/index.ts';

/** Peers asked, one after another, for a blob this node does not hold. */
export const peerBlobPeersMax = 8;
/** How long one peer has to answer. */
export const peerBlobTimeoutMs = 10_000;
/** The largest blob a node serves to a peer in one answer: a run's log, a result; data sets are read where they are stored. */
export const peerBlobBytesMax = defaultLimits.maxResponseBytes - 1024;

/**
 * A `blob` request: the blob's hash and, for a blob with readers, the `Authorization` header the
 * reader signed for the node it asked (bound to the method and the hash, within its clock window;
 * every node checks it again and remembers its nonce).
 */
export const PeerBlobRequest = z.strictObject({
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'a blob hash is 64 lowercase hex characters'),
  authorization: z.string().max(4096).optional(),
});

/** Reads, through the peers, a blob this node does not hold. */
export interface PeerBlobs {
  /**
   * The blob's bytes from the first peer that holds it and lets the signer read it, checked
   * against the hash (a peer's other bytes are skipped and logged). ACCESS_DENIED, BAD_AUTH or
   * TOO_LARGE when a peer holding it refused; NOT_FOUND when none holds it.
   */
  fetch(hash: string, authorization: string | undefined): Promise<Buffer>;
}

export interface PeerBlobServiceParameters {
  readonly transport: Pick<Transport, 'handle' | 'request' | 'peers'>;
  /** `protocolOf(chain, shard, 'blob')`. */
  readonly protocol: string;
  readonly store: Pick<BlobStore, 'open' | 'stat'>;
  /** This node's verifier of signed blob requests (the API's own, so a nonce is used once per node). */
  readonly auth: BlobAuthVerifier;
  readonly logger: Logger;
}

const encoder = new TextEncoder();
/** Refusals that say the blob exists on that peer: they win over another peer's NOT_FOUND. */
const definite = new Set(['ACCESS_DENIED', 'BAD_AUTH', 'TOO_LARGE']);

/**
 * Big Storage across the network: each node keeps the blobs put on it, and answers its peers'
 * `blob` requests with a blob's bytes under the same access rule as `GET /v1/blobs` (the reader's
 * signed header checked here again); `fetch` asks the peers for a blob this node does not hold,
 * so a client reads a worker's log from whichever node it talks to. Answers are bounded by
 * {@link peerBlobBytesMax}; a peer's garbage is refused with a code and never served.
 * @example const peers = await createPeerBlobService({ transport, protocol, store, auth, logger }); await peers.fetch(hash, header)
 */
export async function createPeerBlobService({ transport, protocol, store, auth, logger }: PeerBlobServiceParameters): Promise<PeerBlobs> {
  await transport.handle(protocol, async (bytes, _from, signal) => {
    const { hash, authorization } = parseOrThrow(PeerBlobRequest, peerJson(bytes, 'blob request'), 'blob request');
    // A blob this node does not hold is refused before the header is checked, and so before it is
    // remembered: signed requests for random hashes would fill the memory of nonces all signed requests share.
    if (store.stat(hash) === undefined) throw new AinError('NOT_FOUND', `No blob ${hash} is stored on this node (or it expired).`);
    const reader = authorization === undefined ? undefined : auth.verify(authorization, { method: 'GET', hash });
    const opened = await store.open({ hash, reader });
    if (opened.info.sizeBytes > peerBlobBytesMax) {
      opened.stream.destroy();
      throw new AinError(
        'TOO_LARGE',
        `Blob sha256:${hash} is ${opened.info.sizeBytes} bytes; a node passes on at most ${peerBlobBytesMax} from a peer: read it from the node that stores it.`,
      );
    }
    // Read no further once the asker has gone (or the handler's time is up).
    return Buffer.concat(await opened.stream.toArray({ signal }));
  });

  return {
    async fetch(hash, authorization) {
      const request = encoder.encode(JSON.stringify({ hash, ...(authorization === undefined ? {} : { authorization }) }));
      const peers = transport.peers().slice(0, peerBlobPeersMax);
      let refusal: AinError | undefined;
      let unanswered = 0;
      for (const peer of peers) {
        let bytes: Uint8Array;
        try {
          bytes = await transport.request(peer, protocol, request, { timeoutMs: peerBlobTimeoutMs });
        } catch (error) {
          const code = error instanceof AinError ? error.code : undefined;
          if (code !== undefined && definite.has(code)) refusal ??= error as AinError;
          else if (code !== 'NOT_FOUND') unanswered++;
          continue;
        }
        if (createHash('sha256').update(bytes).digest('hex') === hash) return Buffer.from(bytes);
        logger.warn({ peer, hash, bytes: bytes.length }, 'a peer answered a blob request with bytes of another hash; skipped');
      }
      if (refusal !== undefined) throw refusal;
      const silent = unanswered === 0 ? '' : ` (${unanswered} of them did not answer)`;
      throw new AinError('NOT_FOUND', `No blob sha256:${hash} is stored on this node, nor on the ${peers.length} peers it asked${silent}.`);
    },
  };
}
