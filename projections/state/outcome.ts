import { refuse, type Refusal } from '../../schemas/index.ts';

// The folds build refusals here too; their shape lives in schemas/, where the boundary checks reach it.
export { refuse, type Refusal };

/** What applying one op came to: `ok`, or a stable code with a sentence that names the path. */
export type Outcome = { readonly code: 'ok' } | Refusal;

export const ok: Outcome = Object.freeze({ code: 'ok' });

export function isOk(outcome: Outcome): outcome is { readonly code: 'ok' } {
  return outcome.code === 'ok';
}
