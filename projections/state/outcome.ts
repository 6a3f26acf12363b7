import type { ErrorCode } from '../../schemas/index.ts';

/** What applying one op came to: `ok`, or a stable code with a sentence that names the path. */
export type Outcome = { readonly code: 'ok' } | Refusal;

export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
}

export const ok: Outcome = Object.freeze({ code: 'ok' });

export function refuse(code: ErrorCode, message: string): Refusal {
  return { code, message };
}

export function isOk(outcome: Outcome): outcome is { readonly code: 'ok' } {
  return outcome.code === 'ok';
}
