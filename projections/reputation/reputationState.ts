import { AinError, type NodeReputation } from '../../schemas/index.ts';

// One node's record in one job is the `reputation` stream's shape (schemas/streams/reputation.ts).
export type { NodeReputation } from '../../schemas/index.ts';

/** The reputation of one job: its root admin, its nodes, and who submitted to each open request. */
export interface JobReputation {
  admin: string | null;
  nodes: Record<string, NodeReputation>;
  /** Open requests only (removed once settled or refunded): the workers that submitted, in order. */
  submitters: Record<string, string[]>;
}

export interface ReputationState {
  version: 1;
  kFactor: number;
  initialRating: number;
  jobs: Record<string, JobReputation>;
}

export interface ReputationOptions {
  /** Elo K: the most a rating moves in one game. Default 32. */
  kFactor?: number;
  /** Default 1500. */
  initialRating?: number;
}

/**
 * An empty reputation: no jobs yet. The state is plain JSON, so a snapshot is the state itself.
 * @example const reputation = applyReputationEvents(createReputation({ kFactor: 16 }), events)
 */
export function createReputation(options: ReputationOptions = {}): ReputationState {
  const kFactor = options.kFactor ?? 32;
  const initialRating = options.initialRating ?? 1500;
  if (!Number.isFinite(kFactor) || kFactor < 0) throw new AinError('BAD_CONFIG', `The Elo K factor must be a finite number ≥ 0, not ${kFactor}.`);
  if (!Number.isFinite(initialRating)) throw new AinError('BAD_CONFIG', `The initial Elo rating must be a finite number, not ${initialRating}.`);
  return { version: 1, kFactor, initialRating, jobs: {} };
}

/**
 * A deep copy of the state as plain JSON, to write out and `loadReputation` later.
 * @example writeFileSync(path, JSON.stringify(snapshotReputation(reputation)))
 */
export function snapshotReputation(state: ReputationState): ReputationState {
  return JSON.parse(JSON.stringify(state)) as ReputationState;
}

/**
 * Reads a snapshot back (a deep copy, so folding on never changes the input). Checks the envelope
 * (version, Elo parameters, one object per job); throws AinError BAD_SNAPSHOT otherwise.
 * @example const reputation = loadReputation(JSON.parse(text))
 */
export function loadReputation(snapshot: unknown): ReputationState {
  const bad = (why: string): AinError => new AinError('BAD_SNAPSHOT', `The reputation snapshot ${why}; write it again with snapshotReputation.`);
  if (!isObject(snapshot)) throw bad('is not an object');
  if (snapshot['version'] !== 1) throw bad(`has version ${String(snapshot['version'])}, not 1`);
  const { kFactor, initialRating, jobs } = snapshot;
  if (typeof kFactor !== 'number' || typeof initialRating !== 'number') throw bad('lacks its Elo kFactor or initialRating');
  if (!isObject(jobs)) throw bad('lacks its jobs');
  for (const [job, entry] of Object.entries(jobs)) {
    if (!isObject(entry) || !isObject(entry['nodes']) || !isObject(entry['submitters'])) throw bad(`has a malformed job ${job}`);
  }
  return snapshotReputation(snapshot as unknown as ReputationState);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
