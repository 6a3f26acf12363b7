export { BlobAuth, BlobMethod, type UnsignedBlobAuth } from './blobAuth.ts';
