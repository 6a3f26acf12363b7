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
  // State-tree outcomes: recorded with the refused op in its block, never thrown.
  RULE_DENIED: { status: 403, summary: 'The write rule of the path does not allow this write.' },
  OWNER_DENIED: { status: 403, summary: 'The owner config of the path does not give this right.' },
  NOT_A_NUMBER: { status: 409, summary: 'The value to increase or decrease is not a number.' },
  INVALID_PATH: { status: 400, summary: 'The path has a bad label, length or shape.' },
  INVALID_VALUE: { status: 400, summary: 'The value is not allowed in the state tree (arrays, bad labels or numbers).' },
  INVALID_RULE: { status: 400, summary: 'The rule does not parse or uses something the rule language forbids.' },
  TOO_DEEP: { status: 400, summary: 'The path and value together nest deeper than the limit.' },
  TOO_LARGE: { status: 413, summary: 'The value or result exceeds a size limit.' },
  EVAL_LIMIT: { status: 422, summary: 'Evaluating the rule ran past its step or read limit.' },
  SUBTREE_RULES: { status: 403, summary: 'Paths below the written one have write rules of their own.' },
  BAD_SNAPSHOT: { status: 500, summary: 'The state snapshot is malformed or its root does not match.' },
  // Internal invariant broken: a bug, never an expected outcome.
  INTERNAL: { status: 500, summary: 'An internal error occurred.' },
  // The Kafka event log.
  LOG_UNAVAILABLE: { status: 503, summary: 'The log service (Kafka brokers) cannot be reached.' },
  LOG_NOT_ACKNOWLEDGED: { status: 503, summary: 'The log did not acknowledge the append; it may or may not be written.' },
  // Job execution (runtime/exec): the code of a failed run's result, never thrown; only
  // BAD_JOB_SCHEMA is also thrown, by parseJobSchema, for schema text that does not parse.
  RUN_FAILED: { status: 422, summary: 'The job exited with a non-zero code or was killed by a signal.' },
  RUN_TIMEOUT: { status: 504, summary: 'The job ran past its wall-time limit and was killed.' },
  RUN_ABORTED: { status: 409, summary: 'The run was cancelled and the job was killed.' },
  RUN_OUTPUT_LIMIT: { status: 413, summary: 'The job wrote more than its output limit and was killed.' },
  RUN_MEMORY_LIMIT: { status: 422, summary: 'The job used more memory than its limit and was killed.' },
  BAD_REPLY: { status: 502, summary: 'The job\'s stdout is not JSON of the reply message its job schema names.' },
  BAD_JOB_REQUEST: { status: 400, summary: 'The request does not match the request message of the job schema.' },
  BAD_JOB_SCHEMA: { status: 400, summary: 'The job schema does not parse as proto3 or lacks the named service, rpc or types.' },
  RUNTIME_UNAVAILABLE: { status: 503, summary: 'The execution runtime (e.g. the Docker engine) cannot be reached or cannot run jobs.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof errorCodes;
