export {
  blobAuthScheme,
  createBlobAuthVerifier,
  signBlobAuth,
  type BlobAuthVerifier,
  type BlobAuthVerifierOptions,
  type SignBlobAuthParameters,
} from './blobAuth.ts';
export { parseRange } from './blobRange.ts';
export {
  blobRef,
  configuredQuotas,
  firstQuotas,
  fixedQuotas,
  ledgerQuotas,
  type BlobHold,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type GcReport,
  type GrantedReservation,
  type OpenBlobParameters,
  type OpenedBlob,
  type PutBlobParameters,
  type QuotaSource,
  type Reservation,
} from './blobStore.ts';
export { checkBlobHash, openLocalBlobStore, type LocalBlobStoreOptions } from './localBlobStore.ts';
