import { z } from 'zod';
import { Hash, PublicKeyHex, SignatureHex, TimeMs } from '../primitives/index.ts';

/**
 * What a signed request is for: a blob's `GET` or `PUT`, or a function call's `INVOKE`, a
 * worker's `TAKE` of calls and its `ANSWER`, a worker's `PROGRESS` line. Each purpose signs its
 * own method, so a header signed for one never passes for another whose hash happens to match.
 */
export const BlobMethod = z.enum(['GET', 'PUT', 'INVOKE', 'TAKE', 'ANSWER', 'PROGRESS']);
export type BlobMethod = z.infer<typeof BlobMethod>;

/**
 * What a Big Storage request signs: the method, the blob's SHA-256, the signer's clock and a
 * random nonce. The signed bytes are the UTF-8 canonical JSON of this object without `sig`,
 * as for a tx; the header carries the whole object as base64url JSON.
 */
export const BlobAuth = z.strictObject({
  v: z.literal(1),
  method: BlobMethod,
  hash: Hash,
  time: TimeMs,
  nonce: z.string().regex(/^[0-9a-f]{16,64}$/, { message: 'must be 16 to 64 lowercase hex characters' }),
  pub: PublicKeyHex,
  sig: SignatureHex,
});
export type BlobAuth = z.infer<typeof BlobAuth>;
export type UnsignedBlobAuth = Omit<BlobAuth, 'sig'>;
