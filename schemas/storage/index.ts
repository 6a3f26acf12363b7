export { BlobAuth, BlobMethod, type UnsignedBlobAuth } from './blobAuth.ts';
export { BlobReader, Reservation, blobReadersMax, reservationTtlMsMax, storageBytesMax } from './reservation.ts';
