export * from './errorBody.ts';
