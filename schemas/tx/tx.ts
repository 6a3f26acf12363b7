import { z } from 'zod';
import { Op } from '../ops/index.ts';
import { Address, ChainId, PublicKeyHex, ShardPath, SignatureHex, TimeMs, Uint } from '../primitives/index.ts';

/** The fields that are signed: the envelope without `sig` (DESIGN.md, "The wire format"). */
export const UnsignedTx = z.strictObject({
  v: z.literal(1),
  chain: ChainId,
  shard: ShardPath,
  from: Address,
  nonce: Uint,
  time: TimeMs,
  op: Op,
  pub: PublicKeyHex,
});
export type UnsignedTx = z.infer<typeof UnsignedTx>;

export const Tx = UnsignedTx.extend({ sig: SignatureHex });
export type Tx = z.infer<typeof Tx>;

/** Default limit on the signed bytes of one tx. */
export const defaultMaxTxBytes = 4096;

/**
 * The longest JSON text of one tx a node reads, in UTF-8 bytes, for a limit of `maxTxBytes` signed
 * bytes: those, its `sig`, and whatever whitespace and escapes a client adds. A text past it is
 * refused unread (TX_TOO_LARGE) however it came: as `POST /v1/tx`'s body, in a batch, or from a
 * peer's gossip, which would otherwise be parsed and canonicalised (megabytes of it) first.
 */
export const txTextBytesMaxFor = (maxTxBytes: number): number => maxTxBytes * 4 + 1024;

/**
 * Deepest nesting of arrays and objects a tx's JSON may have. Parsing and canonicalising are
 * recursive: without a bound, how deep a value can go would depend on a thread's stack, and two
 * nodes could decode the same record differently.
 */
export const maxTxJsonDepth = 64;
