/**
 * Every stable error code ain uses, once, with the HTTP status the API answers with.
 * The API and the CLI print the same code and sentence; clients branch on the code only.
 */
export const errorCodes = {
  // Boundary checks: a tx that fails these never enters the log.
  BAD_JSON: { status: 400, summary: 'The body is not valid JSON.' },
  BAD_REQUEST: { status: 400, summary: 'The HTTP request itself is malformed: its URL, headers or framing.' },
  BAD_SCHEMA: { status: 400, summary: 'A field is missing or has the wrong type.' },
  BAD_HEX: { status: 400, summary: 'A hex field has the wrong characters or length.' },
  BAD_ADDRESS: { status: 400, summary: 'The address does not match the public key.' },
  BAD_SIGNATURE: { status: 400, summary: 'The signature does not verify.' },
  TX_TOO_LARGE: { status: 413, summary: 'The signed bytes exceed the size limit.' },
  BATCH_TOO_LARGE: { status: 413, summary: 'The batch has too many txs or bytes.' },
  WRONG_CHAIN: { status: 400, summary: 'The tx names another chain or shard.' },
  NOT_FOUND: { status: 404, summary: 'Nothing exists at that address.' },
  TX_DROPPED: {
    status: 410,
    summary:
      "The node held the tx but dropped it unapplied: a block took a later nonce of its sender first, so it can no longer land; sign it again with a nonce above the ledger's.",
  },
  OVERLOADED: { status: 503, summary: 'The node is busy; retry later.' },
  NODE_UNREACHABLE: { status: 502, summary: 'No node answers at that address.' },
  BAD_STREAM_EVENT: {
    status: 502,
    summary: 'The node sent a stream event whose data does not match its schema (schemas/streams): a node of another version, or a broken proxy.',
  },
  SHUTTING_DOWN: { status: 503, summary: 'The node is stopping.' },
  // Keys and files.
  KEY_FILE_UNSAFE: { status: 500, summary: 'The key file is readable by other users.' },
  BAD_KEY_FILE: { status: 500, summary: 'The key file is not a valid ain key file.' },
  KEY_MISSING: { status: 500, summary: "A data dir a node ran on has lost its node.key: a new key would be another node's identity; restore it." },
  BAD_CONFIG: { status: 500, summary: 'The configuration is invalid.' },
  DIR_NOT_EMPTY: { status: 409, summary: 'The directory to write a new network into already holds files; nothing there is overwritten.' },
  // The event log.
  LOG_LOCKED: { status: 500, summary: 'Another process holds the log.' },
  LOG_CORRUPT: { status: 500, summary: 'The log is damaged before its tail.' },
  LOG_CLOSED: { status: 503, summary: 'The log is closed.' },
  LOG_IO: { status: 500, summary: 'The log could not write or sync to disk.' },
  NONCES_SPENT: { status: 409, summary: 'The key has used the largest nonce a tx may carry (2^53 − 1): it can sign no more txs; use another key.' },
  SIGNER_STOPPED: { status: 500, summary: 'The node stopped signing its own txs: the next would fail the boundary checks.' },
  LOG_BEHIND_DATA_DIR: {
    status: 500,
    summary:
      "The data dir holds blocks of this chain past the end of the node's Kafka topic: it is not the topic (or broker cluster) the node was on, or it was recreated; the node does not start a second chain of this genesis.",
  },
  GENESIS_MISMATCH: {
    status: 500,
    summary:
      "The data dir's log, or the Kafka topic named, holds the chain of another genesis than the one given; give that chain's genesis, or another data dir or topic.",
  },
  DATA_DIR_LOCKED: { status: 500, summary: 'Another process runs a node on this data dir.' },
  DATA_DIR_OLD: {
    status: 500,
    summary:
      'The data dir holds a chain of an earlier protocol (block headers without recordsRoot, or votes and attestations that do not sign the genesis), which this version cannot continue.',
  },
  DATA_DIR_NEWER: { status: 500, summary: 'The data dir holds a chain of a later protocol than this version runs; run that version on it.' },
  LOG_DIVERGED: { status: 500, summary: 'The log does not hold what it acknowledged at an offset; the node stops.' },
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
  EVAL_LIMIT: { status: 422, summary: 'Evaluating the rule ran past its step budget (expressions and characters of string work), read or string limit.' },
  SUBTREE_RULES: { status: 403, summary: 'Paths below the written one have write rules of their own.' },
  BAD_SNAPSHOT: { status: 500, summary: 'The state snapshot is malformed or its root does not match.' },
  // Ledger outcomes: recorded with the refused tx in its block, never thrown.
  BAD_NONCE: { status: 409, summary: 'The nonce is not above the last nonce this address used.' },
  BANDWIDTH_EXCEEDED: {
    status: 429,
    summary: "The sender has used its tx budget for this window of block time (and its request's lock, if any); it refills when the next window begins.",
  },
  DUPLICATE_TX: { status: 409, summary: 'The tx is already in the chain; the copy is ignored.' },
  INSUFFICIENT_FUNDS: { status: 409, summary: 'The balance does not cover the amount.' },
  NO_STORAGE_OFFER: { status: 404, summary: 'The provider sells no Big Storage on this chain.' },
  STORAGE_FULL: { status: 409, summary: "The provider's offered Big Storage is reserved; the bytes asked for do not fit." },
  TOO_MANY_RESERVATIONS: { status: 409, summary: 'The holder has as many live reservations with the provider as one may have.' },
  INSUFFICIENT_STAKE: { status: 409, summary: 'The stake does not cover the amount to unstake.' },
  STAKE_TOO_SMALL: { status: 409, summary: 'The ledger keeps as many stakes as it may, and this one would not be above the smallest of them.' },
  RESERVED_PATH: { status: 403, summary: 'The path is kept by the ledger itself (/accounts, /consensus, /jobs, /shards).' },
  NOT_PROPOSER: { status: 403, summary: 'Only a proposer of the chain may cut blocks.' },
  NOT_VALIDATOR: { status: 403, summary: 'The signer has no stake in the validator set of that height.' },
  BAD_ATTESTATION: { status: 409, summary: 'The attestation names a block that is not cut yet or is too old to check, or another chain’s genesis.' },
  WRONG_HEADER: { status: 409, summary: 'The attested hash is not the hash of the chain’s block at that height.' },
  ALREADY_ATTESTED: { status: 409, summary: 'The validator has already attested that block.' },
  NOT_BLOCK_PROPOSER: { status: 403, summary: 'Only the proposer of a block may put the previous block’s certificate (commit) in it.' },
  BAD_COMMIT: {
    status: 409,
    summary:
      'The commit’s certificate does not prove the previous block decided: wrong height or hash, or not more than 2/3 of its validators’ valid precommits.',
  },
  EQUIVOCATION: { status: 409, summary: 'The validator signed two different headers for one height and was slashed.' },
  BAD_EVIDENCE: {
    status: 400,
    summary: 'The evidence does not prove equivocation: a signature does not verify, or it is for another chain, or for a height not reached yet.',
  },
  NOTHING_TO_SLASH: { status: 409, summary: 'The validator has no stake left to slash.' },
  ALREADY_SLASHED: { status: 409, summary: 'The validator was slashed already; further evidence against it changes nothing.' },
  EVIDENCE_EXPIRED: { status: 409, summary: 'The evidence is for a height whose validator set the ledger no longer keeps.' },
  UNSUPPORTED_OP: { status: 501, summary: 'This ledger does not fold that op yet.' },
  // Job protocol outcomes (actors/job): recorded with the refused tx in its block, never thrown.
  ILLEGAL_TRANSITION: { status: 409, summary: 'The job or node is in a state where that op is not allowed.' },
  DECRYPT_FAILED: { status: 422, summary: 'The encrypted input or its sealed key does not open with this key.' },
  TEST_DATA_MISMATCH: { status: 422, summary: "The revealed test data and salt do not hash to the request's commitment." },
  BAD_BINARIES: { status: 422, summary: "A job's binaries are not signed by its admin for this chain." },
  BAD_BINARY_VERSION: { status: 409, summary: "The version does not fit the job's published binaries." },
  BINARY_MISMATCH: { status: 409, summary: "The program here is not the one the job's admin published and signed." },
  UNKNOWN_JOB: { status: 404, summary: 'No job schema or job request has that id.' },
  NOT_APPROVED: { status: 403, summary: 'The signer is not an approved node of that job in the role the op needs.' },
  NOT_ALLOWED: { status: 403, summary: "The signer is not the party this op belongs to (client, evaluator, parent admin) or not on the request's allow-list." },
  RATE_LIMITED: { status: 429, summary: 'The admin has approved or dropped as many nodes as the job allows in its window of block time.' },
  BAD_RANKING: {
    status: 409,
    summary:
      "The ranking names a worker twice or one that submitted no result; or upholding a worker's challenge lacks the corrected ranking (or repeats the overturned one), or a ranking comes where none is taken.",
  },
  DEPOSIT_TOO_SMALL: { status: 409, summary: "The evaluator's deposit does not exceed the job's challenge fee." },
  INVALID_JOB_REQUEST: { status: 409, summary: 'The job request is inconsistent (e.g. skip_evaluation without trusted workers).' },
  NO_ELIGIBLE_ADMINS: {
    status: 409,
    summary: "No approved admin of the job stands outside the evaluator's branch of the admin tree (other than the client) to judge a blind challenge.",
  },
  BAD_QUORUM: {
    status: 409,
    summary: "The blind challenge's quorum is out of bounds: it must be more than half of the eligible admins and at most all of them.",
  },
  IN_EVALUATOR_BRANCH: {
    status: 403,
    summary:
      "The admin is in the evaluator's branch of the admin tree (an admin above the evaluator, or one in the branch below the root that holds it) and may not judge a blind challenge of its ranking.",
  },
  ALREADY_VOTED: { status: 409, summary: 'The admin has already given its verdict on this blind challenge; one verdict each.' },
  // Shards (actors/shard): recorded with the refused tx in its block, never thrown.
  SHARDED_PATH: {
    status: 409,
    summary: 'The path belongs to a shard: its child chain keeps it, so the parent refuses state ops there and overlapping branches.',
  },
  BAD_BRANCH: { status: 400, summary: 'The path cannot be branched: it is the root, a path the ledger keeps, or too deep.' },
  UNKNOWN_SHARD: { status: 404, summary: 'No shard was branched at that path.' },
  SHARD_ENDED: { status: 409, summary: 'The shard was closed by its owners; it takes no reports.' },
  SHARD_FORKED: {
    status: 409,
    summary: 'Two different certified headers of one child height were reported: the parent takes no more reports until the owners close the shard.',
  },
  ALREADY_REPORTED: { status: 409, summary: 'The parent already recorded a header for each reported height; the first valid report wins.' },
  REPORT_GAP: { status: 409, summary: 'The reported height is not the last reported height + 1.' },
  BAD_PREV_HASH: { status: 409, summary: 'The reported header does not link to the last reported one (its prevHash or lastRoot differs).' },
  BAD_CERTIFICATE: {
    status: 409,
    summary:
      'The certificate does not prove the reported header: wrong height or hash, a signer outside the shard, a bad signature, or not more than 2/3 of its stake.',
  },
  BAD_REPORT: { status: 400, summary: 'A reported header is of another chain or shard, or the report’s headers are not consecutive.' },
  NOT_A_SHARD: { status: 409, summary: 'The op changes a shard’s own rules, and this chain is not a shard: its genesis names no branch.' },
  BAD_RULES: {
    status: 400,
    summary:
      'The shard’s rules cannot change that way: its block limits stay the branch’s, a slashed validator cannot return, and at least one validator stays.',
  },
  RULES_PENDING: { status: 409, summary: 'A change of the shard’s rules is waiting to take effect; the next one may follow once it has.' },
  SHARD_VALIDATORS: {
    status: 409,
    summary: 'A shard’s validators change only by a shardRules tx, which its parent learns from the reports; stake and unstake are refused on a shard’s chain.',
  },
  // Chain, node and audit.
  BAD_GENESIS: { status: 500, summary: 'The genesis file is missing, malformed or invalid.' },
  NOT_FINAL: { status: 503, summary: 'No final block is available for the answer yet; retry shortly.' },
  NOT_REPORTED: {
    status: 503,
    summary:
      'The shard block that certifies the answer is not made or not recorded on the parent yet (an idle shard makes blocks only for txs); retry shortly.',
  },
  PROOF_INVALID: {
    status: 502,
    summary: 'A proof the node served does not check: the tx is not shown in the final header it names, or the header is not that block’s.',
  },
  // Streams (Server-Sent Events).
  STREAM_GAP: { status: 410, summary: 'The node no longer holds the blocks from the height the stream was asked to resume at.' },
  SLOW_CONSUMER: { status: 503, summary: 'The subscriber read too slowly: its buffer filled and the node closed the stream; reconnect with Last-Event-ID.' },
  // Reads (GET /v1/state, value streams).
  RESULT_TOO_LARGE: {
    status: 413,
    summary: 'The value is larger than one read or stream event carries; read it in pages (?limit=&cursor=) or read paths below it.',
  },
  // Internal invariant broken: a bug, never an expected outcome.
  INTERNAL: { status: 500, summary: 'An internal error occurred.' },
  // The Kafka event log.
  LOG_UNAVAILABLE: { status: 503, summary: 'The log service (Kafka brokers) cannot be reached.' },
  LOG_TOPIC_MISSING: { status: 503, summary: 'The Kafka topic named does not exist on the brokers (a typo in the topic or the brokers?).' },
  LOG_NOT_ACKNOWLEDGED: { status: 503, summary: 'The log did not acknowledge the append; it may or may not be written.' },
  // Big Storage.
  BAD_BLOB_HASH: { status: 400, summary: 'The blob hash is not 64 lowercase hex characters of a SHA-256.' },
  BLOB_HASH_MISMATCH: { status: 422, summary: 'The uploaded bytes do not hash to the claimed SHA-256; nothing was stored.' },
  BLOB_CORRUPT: { status: 500, summary: 'The stored blob no longer hashes to its address; the node refuses to serve it.' },
  BAD_AUTH: { status: 401, summary: 'The signed request header is missing, malformed, expired, replayed or does not verify.' },
  ACCESS_DENIED: { status: 403, summary: 'The signer is not allowed to read this blob.' },
  QUOTA_EXCEEDED: { status: 413, summary: 'The blob does not fit in the storage reserved for this address.' },
  BAD_RANGE: { status: 416, summary: 'The Range header is malformed, asks for several ranges, or lies outside the blob.' },
  // Job execution (runtime/exec): the code of a failed run's result, never thrown; only
  // BAD_JOB_SCHEMA is also thrown, by parseJobSchema, for schema text that does not parse.
  RUN_FAILED: { status: 422, summary: 'The job exited with a non-zero code or was killed by a signal.' },
  RUN_TIMEOUT: { status: 504, summary: 'The job ran past its wall-time limit and was killed.' },
  RUN_ABORTED: { status: 409, summary: 'The run was cancelled and the job was killed.' },
  RUN_OUTPUT_LIMIT: { status: 413, summary: 'The job wrote more than its output limit and was killed.' },
  RUN_MEMORY_LIMIT: { status: 422, summary: 'The job used more memory than its limit and was killed.' },
  UNKNOWN_FUNCTION: { status: 404, summary: 'No function of that id is registered at a pattern the path matches.' },
  NO_FUNCTION_WORKER: { status: 503, summary: "No function worker of the function's owner took the call in time." },
  FUNCTION_TIMEOUT: { status: 504, summary: 'The function worker took the call but did not answer in time.' },
  FUNCTION_FAILED: { status: 502, summary: 'The function failed on its worker.' },
  BAD_REPLY: { status: 502, summary: "The job's stdout is not JSON of the reply message its job schema names." },
  BAD_JOB_REQUEST: { status: 400, summary: 'The request does not match the request message of the job schema.' },
  BAD_JOB_SCHEMA: { status: 400, summary: 'The job schema does not parse as proto3 or lacks the named service, rpc or types.' },
  RUNTIME_UNAVAILABLE: { status: 503, summary: 'The execution runtime (e.g. the Docker engine) cannot be reached or cannot run jobs.' },
  // Asking before paying (ain requestJob): the CLI's checks of what it would request, before anything is signed.
  NO_ELIGIBLE_WORKERS: {
    status: 409,
    summary: 'The allow-list --min-rating, --prefer and --avoid make from the job’s reputation is empty: no approved worker of the job passes them.',
  },
  BUDGET_EXHAUSTED: {
    status: 409,
    summary: 'Another attempt of ain requestJob --retry would lock more than is left of its --budget after what the attempts so far spent.',
  },
  // Nodes as containers (runtime/deploy, ain deploy): each with the container's last log lines when there is one.
  ENGINE_UNAVAILABLE: { status: 503, summary: 'No Docker engine answers at DOCKER_HOST or /var/run/docker.sock, or it failed a request.' },
  PORT_IN_USE: { status: 409, summary: 'A port a node container would listen on (its API or peer port on 127.0.0.1) is taken by another process.' },
  NODE_UNHEALTHY: { status: 503, summary: 'A node container exited or failed its health check (GET /v1/health) before it was healthy.' },
  DEPLOY_CONFLICT: {
    status: 409,
    summary: 'A deployed network of that name exists with other settings, or a file it would write exists; nothing was changed.',
  },
  AGENT_FAILED: { status: 503, summary: 'An agent container exited, or did not start following its job in time; its last log lines say why.' },
  WOULD_HALT: {
    status: 409,
    summary: 'Removing those nodes would take validators whose stake the rest need (more than 2/3) off the network; nothing was removed.',
  },
  // The mempool of a peer-to-peer node (runtime/mempool): refused before the tx is journaled.
  MEMPOOL_FULL: { status: 503, summary: 'The mempool holds as many txs or bytes as it may; retry once blocks have taken some.' },
  MEMPOOL_SENDER_FULL: { status: 429, summary: 'The mempool holds as many txs of this address as it takes per sender; retry once blocks have taken some.' },
  NONCE_PENDING: { status: 409, summary: 'The mempool already holds another tx of this address with the same nonce.' },
  NONCE_GAP: {
    status: 503,
    summary:
      "The mempool refused a peer's earlier txs of this address for room; it takes no later nonce of it until a block passes them or a minute has gone. Retry then.",
  },
  CONSENSUS_OP: { status: 403, summary: 'The op (cut, attest, commit, evidence) is made by the consensus of a peer-to-peer network, not submitted by users.' },
  // Consensus (actors/chain): a proposed block a validator will not prevote, with what is wrong in its details.
  BAD_PROPOSAL: { status: 400, summary: 'The proposed block breaks a rule of the chain: its header, records, certificate or time.' },
  // The peer-to-peer transport (runtime/net): thrown to the node's own caller; what a peer sends
  // wrong is logged with its reason and never thrown into the node.
  NET_STOPPED: { status: 503, summary: 'The network transport is not running: it has not started yet or has stopped.' },
  NET_TOO_LARGE: { status: 413, summary: 'A gossip message, request or answer is larger than the transport allows; it was not sent, or it was refused.' },
  NET_TIMEOUT: { status: 504, summary: 'The peer did not answer the request within its time limit.' },
  NET_UNREACHABLE: { status: 502, summary: 'No connection to the peer could be opened: it is not connected and none of its known addresses answers.' },
  NET_NO_HANDLER: { status: 404, summary: 'The peer does not serve that request protocol.' },
  NET_HANDLER_FAILED: { status: 502, summary: "The peer's handler failed while answering the request." },
  NET_BAD_FRAME: { status: 502, summary: 'The peer sent bytes that are not a frame of the protocol, or ended the stream before a whole answer.' },
  // Consensus between validators (runtime/consensus).
  BAD_SIGNING_RECORD: {
    status: 500,
    summary: "The validator's record of what it signed last (consensus/signed.json) cannot be read; it is never guessed, so the node does not start.",
  },
  VALIDATOR_SIGNS_BLOCKS_ONLY: {
    status: 409,
    summary:
      "A validator of a peer-to-peer network signs its blocks with its key and consensus's nonces, and signs no other tx in-process. Sign the tx (any key, its own too) and POST it to /v1/tx.",
  },
  BAD_CONSENSUS_MESSAGE: {
    status: 400,
    summary: 'A proposal, vote or evidence from a peer is malformed, for another chain, from no validator, or badly signed.',
  },
  // The examples (runtime/examples, ain example run).
  EXAMPLE_OUT_OF_BOUND: { status: 500, summary: 'An example ran to its end but its quality figure is outside the bound its README states.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof errorCodes;
