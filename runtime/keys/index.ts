export { loadOrCreateKeyFile, readKeyFile, writeKeyFile } from './keyFile.ts';
