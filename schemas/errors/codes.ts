/**
 * Every stable error code ain uses, once, with the HTTP status the API answers with.
 * The API and the CLI print the same code and sentence; clients branch on the code only.
 */
export const errorCodes = {
  // Boundary checks: a tx that fails these never enters the log.
  BAD_JSON: { status: 400, summary: 'The body is not valid JSON.' },
  BAD_SCHEMA: { status: 400, summary: 'A field is missing or has the wrong type.' },
  BAD_HEX: { status: 400, summary: 'A hex field has the wrong characters or length.' },
  BAD_ADDRESS: { status: 400, summary: 'The address does not match the public key.' },
  BAD_SIGNATURE: { status: 400, summary: 'The signature does not verify.' },
  TX_TOO_LARGE: { status: 413, summary: 'The signed bytes exceed the size limit.' },
  BATCH_TOO_LARGE: { status: 413, summary: 'The batch has too many txs or bytes.' },
  WRONG_CHAIN: { status: 400, summary: 'The tx names another chain or shard.' },
  NOT_FOUND: { status: 404, summary: 'Nothing exists at that address.' },
  OVERLOADED: { status: 503, summary: 'The node is busy; retry later.' },
  NODE_UNREACHABLE: { status: 502, summary: 'No node answers at that address.' },
  SHUTTING_DOWN: { status: 503, summary: 'The node is stopping.' },
  // Keys and files.
  KEY_FILE_UNSAFE: { status: 500, summary: 'The key file is readable by other users.' },
  BAD_KEY_FILE: { status: 500, summary: 'The key file is not a valid ain key file.' },
  BAD_CONFIG: { status: 500, summary: 'The configuration is invalid.' },
  // The event log.
  LOG_LOCKED: { status: 500, summary: 'Another process holds the log.' },
  LOG_CORRUPT: { status: 500, summary: 'The log is damaged before its tail.' },
  LOG_CLOSED: { status: 503, summary: 'The log is closed.' },
  LOG_IO: { status: 500, summary: 'The log could not write or sync to disk.' },
  RECORD_TOO_LARGE: { status: 413, summary: 'A log record exceeds the record size limit.' },
  // Internal invariant broken: a bug, never an expected outcome.
  INTERNAL: { status: 500, summary: 'An internal error occurred.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof errorCodes;
