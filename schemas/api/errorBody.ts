import { z } from 'zod';
import { errorCodes, type ErrorCode } from '../errors/index.ts';

/** Every error the API answers with: a stable code (schemas/errors/codes.ts), a sentence for a person, and details when there are any. */
export const ErrorBody = z
  .object({
    code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .describe('An error: a stable code (its status is the HTTP status) and a sentence for a person.');
export type ErrorBody = z.infer<typeof ErrorBody>;
