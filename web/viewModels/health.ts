/** One problem of `GET /v1/health`, the fields the panel reads (schemas/api/answers.ts `HealthProblem`). */
export interface HealthProblemAnswer {
  readonly code: string;
  readonly message: string;
  readonly since?: number;
  readonly missing?: readonly string[];
  readonly peers?: readonly string[];
}

/** `GET /v1/health`, the fields the panel reads. */
export interface HealthAnswer {
  readonly problems?: readonly HealthProblemAnswer[];
}

/** One line of the health panel: what keeps the node from its work, since when, and whom it names. */
export interface HealthRow {
  readonly code: string;
  readonly message: string;
  /** Ms since the epoch by the node's clock, where the node knows it. */
  readonly since: number | null;
  /** Validators the problem names (not heard from, not answering, or run by two nodes). */
  readonly validators: readonly string[];
  /** Peer ids it names (bootstrap peers that do not answer; nodes answering as one key). */
  readonly peers: readonly string[];
  /** Names left out past `healthNamesMax` of each list, together. */
  readonly more: number;
}

export interface HealthState {
  /** Whether the node answered `GET /v1/health` yet: before, the panel says nothing rather than "no problems". */
  readonly read: boolean;
  readonly rows: readonly HealthRow[];
}

export const initialHealth: HealthState = { read: false, rows: [] };

/** How many names of one problem the panel lists; the rest are counted. */
export const healthNamesMax = 16;

/**
 * The health panel from one read of `GET /v1/health`: each problem as the node lists it (the
 * answer replaces what the last read said, so a cleared problem leaves the panel), its names
 * bounded by `healthNamesMax`; a failed read (null) or an answer of another shape makes it
 * unknown again.
 * @example applyHealth(initialHealth, await getJson('/v1/health')).rows.map((r) => r.code)
 */
export function applyHealth(_state: HealthState, answer: HealthAnswer | null): HealthState {
  // A read that failed, or an answer that is no health answer: the panel says nothing rather than "no problems".
  if (answer === null || typeof answer !== 'object' || (answer.problems !== undefined && !Array.isArray(answer.problems))) return initialHealth;
  const rows = (answer.problems ?? []).map((p) => {
    const [validators, peers] = [p.missing ?? [], p.peers ?? []];
    return {
      code: p.code,
      message: p.message,
      since: p.since ?? null,
      validators: validators.slice(0, healthNamesMax),
      peers: peers.slice(0, healthNamesMax),
      more: Math.max(0, validators.length - healthNamesMax) + Math.max(0, peers.length - healthNamesMax),
    };
  });
  return { read: true, rows };
}
