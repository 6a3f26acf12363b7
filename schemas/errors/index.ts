export { AinError, isAinError, type AinErrorOptions } from './ainError.ts';
export { errorCodes, type ErrorCode } from './codes.ts';
export { fromZodError, parseOrThrow, safeParse } from './fromZod.ts';
export { refuse, type Refusal } from './refusal.ts';
