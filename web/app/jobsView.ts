import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { JobEvent } from '../../schemas/index.ts';
import { applyJobs, initialJobs, jobRows, type JobState, type JobSummary } from '../viewModels/index.ts';
import { getJson } from './api.ts';
import { follow } from './live.ts';
import { Failure, html, Id, Loading, when } from './ui.ts';

const states: readonly JobState[] = ['open', 'ready', 'unstaffed'];

/** Jobs: every registered job with the paper's stats line, busy/total workers, throughput and fees, filterable by state. */
export function JobsView({ state }: { state: string }) {
  const jobs = useSignal(initialJobs);
  const error = useSignal<unknown>(null);
  useEffect(() => {
    const load = async () => {
      const list = await getJson<{ height: number; jobs: JobSummary[] }>('/v1/jobs?limit=1000');
      jobs.value = applyJobs(jobs.value, { type: 'snapshot', height: list.height, jobs: list.jobs });
      error.value = null;
    };
    load().catch((e: unknown) => (error.value = e));
    return follow(
      ['dashboard'],
      (events) => {
        let next = jobs.value;
        for (const { data } of events) next = applyJobs(next, { type: 'dashboard', data });
        jobs.value = next;
      },
      load,
    );
  }, []);
  const filter = states.includes(state as JobState) ? (state as JobState) : undefined;
  const rows = jobRows(jobs.value, filter);
  return html`
    <h2>Jobs</h2>
    ${error.value === null ? null : html`<${Failure} error=${error.value} />`}
    <div class="filters">
      <label
        >state
        <select
          onChange=${(e: Event) => (location.hash = `#/jobs${(e.target as HTMLSelectElement).value ? `?state=${(e.target as HTMLSelectElement).value}` : ''}`)}
        >
          <option value="" selected=${filter === undefined}>any</option>
          ${states.map((s) => html`<option value=${s} selected=${filter === s}>${s}</option>`)}
        </select></label
      >
    </div>
    <div class="panel">
      <table data-table="jobs">
        <thead>
          <tr>
            <th>job</th>
            <th>state</th>
            <th>stats</th>
            <th class="num">busy/workers</th>
            <th class="num">settled/min</th>
            <th class="num">fees paid</th>
            <th class="hide-narrow">admin</th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length === 0
              ? html`<tr>
                  <td colspan="7" class="muted">No job${filter === undefined ? '' : ` is ${filter}`}.</td>
                </tr>`
              : null
          }
          ${rows.map(
            (row) =>
              html`<tr data-job=${row.id}>
                <td><${Id} id=${row.id} href=${`#/jobs/${row.id}`} /></td>
                <td>${row.state}</td>
                <td>${row.stats}</td>
                <td class="num">${row.dashboard?.workersBusy ?? 0}/${row.dashboard?.workers ?? 0}</td>
                <td class="num">${(row.dashboard?.throughputPerMinute ?? 0).toFixed(2)}</td>
                <td class="num">${row.dashboard?.feesPaid ?? '0'}</td>
                <td class="hide-narrow"><${Id} id=${row.admin} href=${`#/accounts/${row.admin}`} /></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}

interface JobNode {
  readonly address: string;
  readonly state: string;
  readonly role: string;
  readonly parent: string | null;
}

interface JobAnswer extends JobSummary {
  readonly spec: { readonly job_specification: string | { readonly blob?: string }; readonly fee?: string };
  readonly nodes: readonly JobNode[];
  readonly stats: string;
}

interface RequestSummary {
  readonly id: string;
  readonly state: string;
  readonly client: string;
  readonly requestedAt: number;
  readonly reward: readonly [string, string];
}

/** The admin tree (RTree): each node under the admin that approved it. */
function Tree({ nodes, parent }: { nodes: readonly JobNode[]; parent: string | null }) {
  const children = nodes.filter((n) => n.parent === parent && n.state !== 'applied');
  if (children.length === 0) return null;
  return html`<ul>
    ${children.map((n) => html`<li><${Id} id=${n.address} href=${`#/accounts/${n.address}`} /> ${n.role} · ${n.state}<${Tree} nodes=${nodes} parent=${n.address} /></li>`)}
  </ul>`;
}

/** One job: its proto schema, admin tree, applicants and requests, kept live by its job events. */
export function JobView({ id }: { id: string }) {
  const job = useSignal<JobAnswer | null>(null);
  const requests = useSignal<readonly RequestSummary[]>([]);
  const error = useSignal<unknown>(null);
  /** Each applicant's answer to the schema's test data, from the job's `nodeApplied` events. */
  const tested = useSignal<Readonly<Record<string, unknown>>>({});
  const why = useSignal<readonly string[]>([]);
  useEffect(() => {
    let stop: (() => void) | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let gone = false;
    const failed = (e: unknown) => void (error.value = e);
    const load = async () => {
      const [answer, list, explained] = await Promise.all([
        getJson<JobAnswer>(`/v1/jobs/${id}`),
        getJson<{ requests: RequestSummary[] }>(`/v1/requests?job=${id}&limit=100`),
        getJson<{ sentences: string[] }>(`/v1/jobs/${id}/explain`),
      ]);
      job.value = answer;
      requests.value = list.requests;
      why.value = explained.sentences;
      error.value = null;
    };
    // A block with this job's events changes what the REST answers hold: read them again, once for a burst.
    const reload = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void load().catch(failed), 300);
    };
    load().catch(failed);
    // The job's events from its own block on (the hub's history permitting): the applicants' test results.
    getJson<{ height: number }>(`/v1/tx/${id}`).then(({ height }) => {
      if (gone) return;
      stop = follow(
        [`jobs/${id}@${height}`],
        (events) => {
          const results = { ...tested.value };
          for (const { data } of events) for (const e of data.events as JobEvent[]) if (e.type === 'nodeApplied') results[e.node] = e.testResult;
          tested.value = results;
          if (events.length > 0) reload();
        },
        load,
      );
    }, failed);
    return () => {
      gone = true;
      clearTimeout(timer);
      stop?.();
    };
  }, [id]);
  if (error.value !== null && job.value === null) return html`<${Failure} error=${error.value} />`;
  const answer = job.value;
  if (answer === null) return html`<${Loading} what="the job" />`;
  const spec = answer.spec.job_specification;
  const result = (node: string) => (node in tested.value ? JSON.stringify(tested.value[node] ?? null).slice(0, 80) : '—');
  return html`
    <h2>Job <span class="mono">${id}</span></h2>
    <p>${answer.stats} · admin <${Id} id=${answer.admin} href=${`#/accounts/${answer.admin}`} /> · registered ${when(answer.registeredAt)}</p>
    ${why.value.length === 0 ? null : html`<div class="panel" data-why>${why.value.map((line) => html`<p>${line}</p>`)}</div>`}
    <h3>Admin tree</h3>
    <div class="panel tree">
      ${answer.nodes.length === 0 ? html`<p class="muted">No node has applied.</p>` : html`<${Tree} nodes=${answer.nodes} parent=${null} />`}
    </div>
    <h3>Applicants</h3>
    <div class="panel">
      <table data-table="applicants">
        <thead>
          <tr>
            <th>node</th>
            <th>role</th>
            <th>state</th>
            <th>test result</th>
          </tr>
        </thead>
        <tbody>
          ${
            answer.nodes.length === 0
              ? html`<tr>
                  <td colspan="4" class="muted">No node has applied.</td>
                </tr>`
              : null
          }
          ${answer.nodes.map(
            (n) =>
              html`<tr>
                <td><${Id} id=${n.address} href=${`#/accounts/${n.address}`} /></td>
                <td>${n.role}</td>
                <td>${n.state}</td>
                <td class="mono">${result(n.address)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <h3>Requests</h3>
    <div class="panel">
      <table data-table="requests">
        <thead>
          <tr>
            <th>request</th>
            <th>state</th>
            <th>client</th>
            <th class="num">reward [evaluator, workers]</th>
            <th class="hide-narrow">requested</th>
          </tr>
        </thead>
        <tbody>
          ${
            requests.value.length === 0
              ? html`<tr>
                  <td colspan="5" class="muted">No request yet.</td>
                </tr>`
              : null
          }
          ${requests.value.map(
            (r) =>
              html`<tr data-request=${r.id}>
                <td><${Id} id=${r.id} href=${`#/requests/${r.id}`} /></td>
                <td>${r.state}</td>
                <td><${Id} id=${r.client} /></td>
                <td class="num">[${r.reward.join(', ')}]</td>
                <td class="hide-narrow">${when(r.requestedAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <h3>Schema</h3>
    ${typeof spec === 'string' ? html`<pre>${spec}</pre>` : html`<p class="muted">Stored in Big Storage: <span class="mono">${JSON.stringify(spec)}</span></p>`}
  `;
}
