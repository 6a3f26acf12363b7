export { createApi, type ApiOptions } from './server.ts';
