export * from './errorBody.ts';
export * from './txAnswer.ts';
export * from './queries.ts';
export * from './answers.ts';
