import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { NodeReputation } from '../../schemas/index.ts';
import { applyReputation, initialReputation, reputationColumns, reputationRows, type ReputationColumn } from '../viewModels/index.ts';
import { getJson } from './api.ts';
import { follow } from './live.ts';
import { Failure, html, Id, ms, ratio } from './ui.ts';

/** Nodes read at most for the table's first snapshot (the stream adds the others as they act). */
const nodesMax = 200;

const labels: Record<ReputationColumn, string> = {
  rating: 'Elo',
  games: 'games',
  acceptanceRatio: 'accepted',
  rejectionRatio: 'rejected',
  responseMsAverage: 'response',
  challengesWon: 'ch. won',
  challengesLost: 'ch. lost',
  drops: 'drops',
  jobsDone: 'jobs done',
};

const link = (query: URLSearchParams, change: Record<string, string | null>) => {
  const next = new URLSearchParams(query);
  for (const [key, value] of Object.entries(change))
    if (value === null) next.delete(key);
    else next.set(key, value);
  return `#/nodes?${next.toString()}`;
};

/** Nodes & reputation: every (job, node) with its Elo, games, ratios, response time, challenges and drops; sortable, filterable, live. */
export function ReputationView({ query }: { query: URLSearchParams }) {
  const state = useSignal(initialReputation);
  const earned = useSignal<Record<string, string>>({});
  const error = useSignal<unknown>(null);
  useEffect(() => {
    const load = async () => {
      const { jobs } = await getJson<{ jobs: { id: string }[] }>('/v1/jobs?limit=1000');
      const answers = await Promise.all(jobs.map(({ id }) => getJson<{ nodes: { address: string }[] }>(`/v1/jobs/${id}`)));
      const addresses = [...new Set(answers.flatMap((a) => a.nodes.map((n) => n.address)))].slice(0, nodesMax);
      const reads = await Promise.all(
        addresses.map((address) => getJson<{ address: string; height: number; jobs: (NodeReputation & { job: string })[] }>(`/v1/reputation/${address}`)),
      );
      let next = state.value;
      for (const { address, height, jobs } of reads) next = applyReputation(next, { type: 'node', height, node: address, jobs });
      state.value = next;
      error.value = null;
    };
    load().catch((e: unknown) => (error.value = e));
    return follow(
      ['reputation', 'dashboard'],
      (events) => {
        let next = state.value;
        const money = { ...earned.value };
        for (const { event, data } of events) {
          if (event === 'reputation') next = applyReputation(next, { type: 'reputation', data });
          if (event === 'dashboard')
            for (const [node, figures] of Object.entries(data.nodes as Record<string, { earned: string }>)) money[node] = figures.earned;
        }
        state.value = next;
        earned.value = money;
      },
      load,
    );
  }, []);
  const by = (reputationColumns as readonly string[]).includes(query.get('by') ?? '') ? (query.get('by') as ReputationColumn) : 'rating';
  const descending = query.get('desc') !== '0';
  const role = query.get('role') ?? undefined;
  const status = query.get('status') ?? undefined;
  const rows = reputationRows(state.value, { by, descending, role, status });
  const select = (key: string, options: readonly string[], value: string | undefined) =>
    html`<label
      >${key}
      <select onChange=${(e: Event) => (location.hash = link(query, { [key]: (e.target as HTMLSelectElement).value || null }))}>
        <option value="" selected=${value === undefined}>any</option>
        ${options.map((o) => html`<option value=${o} selected=${value === o}>${o}</option>`)}
      </select></label
    >`;
  return html`
    <h2>Nodes & reputation</h2>
    ${error.value === null ? null : html`<${Failure} error=${error.value} />`}
    <div class="filters">${select('role', ['admin', 'evaluator', 'worker'], role)} ${select('status', ['applied', 'approved', 'dropped'], status)}</div>
    <div class="panel">
      <table data-table="reputation">
        <thead>
          <tr>
            <th>node</th>
            ${reputationColumns.map(
              (column) =>
                html`<th class="num">
                  <button data-sort=${column} onClick=${() => (location.hash = link(query, { by: column, desc: by === column && descending ? '0' : '1' }))}>
                    ${labels[column]}${by === column ? (descending ? ' ▼' : ' ▲') : ''}
                  </button>
                </th>`,
            )}
            <th class="num">earned</th>
            <th>role</th>
            <th>status</th>
            <th>job</th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length === 0
              ? html`<tr>
                  <td colspan="14" class="muted">No node has a reputation yet.</td>
                </tr>`
              : null
          }
          ${rows.map(
            (r) =>
              html`<tr data-node=${r.node} data-role=${r.role ?? ''}>
                <td><${Id} id=${r.node} href=${`#/nodes/${r.node}`} /></td>
                <td class="num" data-elo>${Math.round(r.rating)}</td>
                <td class="num">${r.games}</td>
                <td class="num">${ratio(r.acceptanceRatio)}</td>
                <td class="num">${ratio(r.rejectionRatio)}</td>
                <td class="num">${ms(r.responseMsAverage)}</td>
                <td class="num">${r.challengesWon}</td>
                <td class="num">${r.challengesLost}</td>
                <td class="num">${r.drops}</td>
                <td class="num">${r.jobsDone}</td>
                <td class="num">${earned.value[r.node] ?? ''}</td>
                <td>${r.role ?? 'client'}</td>
                <td>${r.status ?? '—'}</td>
                <td><${Id} id=${r.job} href=${`#/jobs/${r.job}`} /></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}
