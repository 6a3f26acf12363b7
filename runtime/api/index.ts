export { createApi, type ApiOptions } from './server.ts';
export { blobRoutes, type BlobRoutesOptions } from './blobRoutes.ts';
