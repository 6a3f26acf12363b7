export { createApi, type ApiOptions, type ChainsInProcess } from './server.ts';
export { blobRoutes, type BlobRoutesOptions } from './blobRoutes.ts';
export type { StreamRouteMetrics } from './streamRoutes.ts';
export type { LedgerRoutesOptions } from './ledgerRoutes.ts';
export { checkProgress, ProgressMessage, type ProgressBody } from './progressRoutes.ts';
export { createInvocationHub, type Invocation, type InvocationAnswer, type InvocationHub, type InvocationHubOptions } from './invocations.ts';
export { CallJson } from './functionRoutes.ts';
