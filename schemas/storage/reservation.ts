import { z } from 'zod';
import { Uint } from '../primitives/index.ts';

/** Who may read a blob through a hold: an address, or `"*"` for anyone. */
export const BlobReader = z
  .string()
  .regex(/^(\*|0x[0-9a-f]{40})$/, { message: 'must be an address ("0x" followed by 40 lowercase hex characters) or "*" (anyone)' });

/** Readers one hold (or one reservation) may list. */
export const blobReadersMax = 256;

/** The most bytes one reservation, offer or grant may name: 2^50 (1 PiB). */
export const storageBytesMax = 2 ** 50;

/** Longest time a reservation may let a blob be held: ten years, so an expiry stays an exact integer of ms. */
export const reservationTtlMsMax = 3650 * 86_400_000;

/** What an address may keep in Big Storage: the ledger's `reserveStorage` grants it, or a node's config (`storage.reservations`). */
export const Reservation = z.strictObject({
  /** Bytes the address may hold at once, counting each blob it holds once. */
  bytesMax: Uint.min(1, { message: 'must be at least 1 byte' }).max(storageBytesMax, { message: 'must be at most 2^50 bytes (1 PiB)' }),
  /** Longest time a blob may be held, from its put. */
  ttlMs: Uint.min(1, { message: 'must be at least 1 ms' }).max(reservationTtlMsMax, { message: `must be at most ${reservationTtlMsMax} ms (ten years)` }),
  /** Addresses that may read the address's blobs by default (`"*"`: anyone). */
  readers: z
    .array(BlobReader)
    .max(blobReadersMax, { message: `must list at most ${blobReadersMax} readers` })
    .optional(),
});
export type Reservation = z.infer<typeof Reservation>;
