import type { NodeReputation, ReputationEvent } from '../../schemas/index.ts';

/** One node in one job: a row of the reputation table. */
export interface ReputationRow extends NodeReputation {
  readonly job: string;
  readonly node: string;
}

export interface ReputationState {
  readonly height: number;
  /** By `<job>/<node>`. */
  readonly rows: Readonly<Record<string, ReputationRow>>;
}

export type ReputationViewEvent =
  /** `GET /v1/reputation/<address>` of one node: its entries as of `height`. */
  | { readonly type: 'node'; readonly height: number; readonly node: string; readonly jobs: readonly (NodeReputation & { readonly job: string })[] }
  | { readonly type: 'reputation'; readonly data: ReputationEvent };

export const initialReputation: ReputationState = { height: 0, rows: {} };

/** Columns the table sorts by. */
export const reputationColumns = [
  'rating',
  'games',
  'acceptanceRatio',
  'rejectionRatio',
  'responseMsAverage',
  'challengesWon',
  'challengesLost',
  'drops',
  'jobsDone',
] as const;
export type ReputationColumn = (typeof reputationColumns)[number];

/**
 * The reputation table from each node's `GET /v1/reputation/<address>` and the `reputation`
 * stream, whose entries replace the (job, node) rows they name.
 * @example applyReputation(initialReputation, { type: 'reputation', data }).rows[`${job}/${node}`].rating
 */
export function applyReputation(state: ReputationState, event: ReputationViewEvent): ReputationState {
  const rows: Record<string, ReputationRow> = { ...state.rows };
  if (event.type === 'node') {
    for (const entry of event.jobs) rows[`${entry.job}/${event.node}`] = { ...entry, node: event.node };
    return { height: Math.max(state.height, event.height), rows };
  }
  for (const entry of event.data.entries) rows[`${entry.job}/${entry.node}`] = entry;
  return { height: Math.max(state.height, event.data.height), rows };
}

export interface ReputationQuery {
  readonly by: ReputationColumn;
  readonly descending: boolean;
  readonly role?: string | undefined;
  readonly status?: string | undefined;
}

/** The rows that pass the filters, sorted by a column (nulls last), ties by node then job. */
export function reputationRows(state: ReputationState, { by, descending, role, status }: ReputationQuery): ReputationRow[] {
  const sign = descending ? -1 : 1;
  return Object.values(state.rows)
    .filter((row) => (role === undefined || row.role === role) && (status === undefined || row.status === status))
    .sort((a, b) => {
      const x = a[by] ?? null;
      const y = b[by] ?? null;
      if (x !== y) {
        if (x === null) return 1;
        if (y === null) return -1;
        return (x < y ? -1 : 1) * sign;
      }
      return a.node === b.node ? (a.job < b.job ? -1 : 1) : a.node < b.node ? -1 : 1;
    });
}
