import type { ErrorCode } from './codes.ts';

/**
 * Why a tx was refused: a stable code and a sentence for a person. The one shape a submitter gets
 * at the boundary, a block records as a tx's outcome and an audit reports.
 */
export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
}

export function refuse(code: ErrorCode, message: string): Refusal {
  return { code, message };
}
