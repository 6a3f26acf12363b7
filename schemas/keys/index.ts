export * from './keyFile.ts';
