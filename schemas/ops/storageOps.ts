import { z } from 'zod';
import { Address, Amount, Uint } from '../primitives/index.ts';
import { BlobReader, blobReadersMax, reservationTtlMsMax, storageBytesMax } from '../storage/index.ts';

/**
 * `reserveStorage`: pays a provider for room in its Big Storage before a job (the architecture
 * paper: every node "needs to reserve appropriate space in Big Storage by paying fees to the
 * storage service provider prior to the initiation of an ML job"). The signer pays; `for` (default
 * the signer) may then hold up to `space` bytes on the provider's node until `ttl` ms of block
 * time after the block it lands in.
 */
export const ReserveStorageOp = z.strictObject({
  type: z.literal('reserveStorage'),
  /** The storage provider: the address of the node that keeps the bytes (its `node.key`). */
  provider: Address,
  /** Bytes, from 1 to 2^50 (1 PiB). */
  space: Uint.min(1, { message: 'must be at least 1 byte' }).max(storageBytesMax, { message: 'must be at most 2^50 bytes (1 PiB)' }),
  /** How long, in ms of block time, from 1 ms to ten years. */
  ttl: Uint.min(1, { message: 'must be at least 1 ms' }).max(reservationTtlMsMax, { message: `must be at most ${reservationTtlMsMax} ms (ten years)` }),
  /** Who may read the holder's blobs by default, besides itself (`"*"`: anyone). */
  acl: z
    .array(BlobReader)
    .max(blobReadersMax, { message: `must list at most ${blobReadersMax} readers` })
    .optional(),
  /** The address the room is for (default: the signer), e.g. a client buying its workers room for their logs. */
  for: Address.optional(),
});

/**
 * `offerStorage`: a provider sets its price and how many bytes it sells at once (replacing its
 * genesis entry or earlier offer). Reservations already made keep their terms; `bytesMax: 0`
 * sells nothing more.
 */
export const OfferStorageOp = z.strictObject({
  type: z.literal('offerStorage'),
  /** AIN per GiB (2^30 bytes) per day (86,400,000 ms) of block time; a reservation pays the ceiling of its share. */
  price: Amount,
  /** Bytes reserved at once at most, across every holder. */
  bytesMax: Uint.max(storageBytesMax, { message: 'must be at most 2^50 bytes (1 PiB)' }),
});

export const storageOps = [ReserveStorageOp, OfferStorageOp] as const;
