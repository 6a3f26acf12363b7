import { AinError, type ErrorCode } from '../../schemas/index.ts';

/** A refused tx that names a request (its `request_id`) or a job (its `job_id`), where its block recorded it. */
export interface RefusedTx {
  readonly hash: string;
  readonly height: number;
  /** Its place in the block. */
  readonly index: number;
  /** The block's time. */
  readonly time: number;
  readonly from: string;
  /** The op's type (`acceptJob`, `submitResult`, …). */
  readonly op: string;
  /** The role an `acceptJob` asked for. */
  readonly role?: 'evaluator' | 'worker';
  /** The refusal's code; the sentence is the block's (`GET /v1/tx/<hash>`), as sentences may change between versions. */
  readonly code: ErrorCode;
}

/** The refused txs that name one request or job: how many in all, and the latest `refusalsMax`, oldest first. */
export interface RefusedTxs {
  count: number;
  latest: RefusedTx[];
}

/** What a request's state does not keep: when its first worker accepted (it ran) and when it ended. */
export interface RequestTimes {
  runningAt?: number;
  endedAt?: number;
  endedHeight?: number;
}

/**
 * The read model `explain` answers from beside the ledger's state: refused txs by the request or
 * job they name, the block times a request's machine does not keep, and how many open requests
 * each evaluator of a job evaluates. Plain JSON, folded from each block's outcomes and job events
 * (`applyExplainIndex`), so a replay rebuilds it.
 */
export interface ExplainIndex {
  version: 1;
  refusalsMax: number;
  refused: Record<string, RefusedTxs>;
  requests: Record<string, RequestTimes>;
  /** By job, by evaluator: the job's open requests it evaluates. */
  evaluating: Record<string, Record<string, number>>;
}

export interface ExplainIndexOptions {
  /** Refused txs kept per request or job (older ones are only counted). Default 32. */
  refusalsMax?: number;
}

/**
 * An empty index.
 * @example const index = createExplainIndex({ refusalsMax: 8 })
 */
export function createExplainIndex(options: ExplainIndexOptions = {}): ExplainIndex {
  const refusalsMax = options.refusalsMax ?? 32;
  if (!Number.isSafeInteger(refusalsMax) || refusalsMax < 1)
    throw new AinError('BAD_CONFIG', `The explain index's refusalsMax must be a whole number ≥ 1, not ${refusalsMax}.`);
  return { version: 1, refusalsMax, refused: {}, requests: {}, evaluating: {} };
}

/** A deep copy as plain JSON, to write out and `loadExplainIndex` later. */
export function snapshotExplainIndex(index: ExplainIndex): ExplainIndex {
  return JSON.parse(JSON.stringify(index)) as ExplainIndex;
}

/**
 * Reads a snapshot back (a deep copy). Checks the envelope (version, limit, one object per entry);
 * throws AinError BAD_SNAPSHOT otherwise, as for a snapshot written before the index was kept.
 */
export function loadExplainIndex(snapshot: unknown): ExplainIndex {
  const bad = (why: string): AinError => new AinError('BAD_SNAPSHOT', `The explain index snapshot ${why}; write it again with snapshotExplainIndex.`);
  if (!isObject(snapshot)) throw bad('is missing or not an object');
  if (snapshot['version'] !== 1) throw bad(`has version ${String(snapshot['version'])}, not 1`);
  if (!Number.isSafeInteger(snapshot['refusalsMax'])) throw bad('lacks its refusalsMax');
  const { refused, requests, evaluating } = snapshot;
  if (!isObject(refused) || !isObject(requests) || !isObject(evaluating)) throw bad('lacks its refused, requests or evaluating');
  for (const [id, entry] of Object.entries(refused)) {
    if (!isObject(entry) || !Array.isArray(entry['latest']) || !Number.isSafeInteger(entry['count'])) throw bad(`has malformed refusals of ${id}`);
  }
  for (const [job, entry] of Object.entries(evaluating)) if (!isObject(entry)) throw bad(`has a malformed job ${job}`);
  return snapshotExplainIndex(snapshot as unknown as ExplainIndex);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
