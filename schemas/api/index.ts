export * from './errorBody.ts';
export * from './txAnswer.ts';
