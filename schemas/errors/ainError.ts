import { errorCodes, type ErrorCode } from './codes.ts';

export interface AinErrorOptions {
  readonly details?: Record<string, unknown>;
  readonly cause?: unknown;
}

/** The one error type: a stable `code`, a sentence for a person, details and a cause chain. */
export class AinError extends Error {
  override readonly name = 'AinError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: AinErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  get status(): number {
    return errorCodes[this.code].status;
  }

  /** The wire shape of an error: `{ code, message }` plus details when there are any. */
  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return Object.keys(this.details).length === 0
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * Guard for error handling by code, never by message text.
 * @example if (isAinError(e, 'BAD_NONCE')) retryWithNextNonce()
 */
export function isAinError(error: unknown, code?: ErrorCode): error is AinError {
  return error instanceof AinError && (code === undefined || error.code === code);
}
