import { useSignal, useSignalEffect } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { applyChain, applyJobs, initialJobs, jobRows, rewardsPaidTotal, type JobSummary, type RestBlock } from '../viewModels/index.ts';
import { getJson } from './api.ts';
import { chain, follow } from './live.ts';
import { Card, Failure, html, Id, ms } from './ui.ts';

interface Status {
  readonly chain: string;
  readonly height: number;
  readonly finalized: number;
}

/** Blocks the overview reads over REST when the node's stream history does not reach back (a node restored from a snapshot holds none before it). */
const restBlocksMax = 50;

/** Txs and job events per block over the last blocks the page holds (uPlot). */
function BlockChart() {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const width = () => Math.max(280, box.current!.clientWidth);
    plot.current = new uPlot(
      {
        width: width(),
        height: 220,
        scales: { x: { time: false } },
        axes: [{ label: 'block height' }, { label: 'per block' }],
        series: [{ label: 'height' }, { label: 'txs', stroke: '#2456a6', width: 1.5 }, { label: 'job events', stroke: '#c2410c', width: 1.5 }],
      },
      [[], [], []],
      box.current!,
    );
    const resize = () => plot.current?.setSize({ width: width(), height: 220 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.current?.destroy();
    };
  }, []);
  useSignalEffect(() => {
    const { points } = chain.value;
    plot.current?.setData([points.map((p) => p.height), points.map((p) => p.txs), points.map((p) => p.jobEvents)]);
  });
  return html`<div class="panel" ref=${box} data-chart="blocks"></div>`;
}

interface NetAnswer {
  readonly peers: readonly unknown[];
  readonly validators: readonly { readonly address: string; readonly stake: string }[];
}

/** Who proposed the blocks the chart holds, and the peers and validators of a node on a network (`GET /v1/net`). */
function Network() {
  const net = useSignal<NetAnswer | null>(null);
  useEffect(() => {
    // A node without a p2p config answers 404: it is its own network.
    getJson<NetAnswer>('/v1/net').then(
      (answer) => (net.value = answer),
      () => undefined,
    );
  }, []);
  const counts = new Map<string, number>();
  for (const { proposer } of chain.value.points) counts.set(proposer, (counts.get(proposer) ?? 0) + 1);
  const proposers = [...counts].sort((a, b) => b[1] - a[1]);
  return html`<div class="panel" data-network>
    <p>
      ${net.value === null ? 'One node: it proposes and validates every block.' : `${net.value.peers.length} peers connected; ${net.value.validators.length} validators.`}
    </p>
    <table>
      <thead>
        <tr>
          <th>proposer</th>
          <th class="num">blocks of the last ${chain.value.points.length}</th>
          <th class="num">stake</th>
        </tr>
      </thead>
      <tbody>
        ${proposers.map(
          ([address, count]) =>
            html`<tr>
              <td><${Id} id=${address} href=${`#/accounts/${address}`} /></td>
              <td class="num">${count}</td>
              <td class="num">${net.value?.validators.find((v) => v.address === address)?.stake ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** The overview: the chain's height and finality, its activity per block, and each job's figures. */
export function OverviewView() {
  const jobs = useSignal(initialJobs);
  const error = useSignal<unknown>(null);
  useEffect(() => {
    let stop: (() => void) | undefined;
    let gone = false;
    const load = async () => {
      const [status, list] = await Promise.all([getJson<Status>('/v1/status'), getJson<{ height: number; jobs: JobSummary[] }>('/v1/jobs?limit=100')]);
      chain.value = applyChain(chain.value, { type: 'status', status });
      jobs.value = applyJobs(jobs.value, { type: 'snapshot', height: list.height, jobs: list.jobs });
      error.value = null;
      return status;
    };
    load().then(
      (status) => {
        if (gone) return;
        const from = Math.max(1, status.height - 299);
        stop = follow(
          [`blocks@${from}`, 'dashboard'],
          (events) => {
            let state = jobs.value;
            for (const { event, data } of events) if (event === 'dashboard') state = applyJobs(state, { type: 'dashboard', data });
            jobs.value = state;
          },
          async () => {
            const { height } = await load();
            const range = await getJson<{ blocks: RestBlock[] }>(`/v1/blocks?from=${Math.max(1, height - restBlocksMax + 1)}&limit=${restBlocksMax}`);
            chain.value = applyChain(chain.value, { type: 'history', blocks: range.blocks });
          },
        );
      },
      (e: unknown) => (error.value = e),
    );
    return () => {
      gone = true;
      stop?.();
    };
  }, []);
  const { height, finalHeight, finalityLag } = chain.value;
  const rows = jobRows(jobs.value);
  const open = rows.reduce((sum, row) => sum + (row.dashboard?.openRequests ?? 0), 0);
  return html`
    <h2>Overview</h2>
    ${error.value === null ? null : html`<${Failure} error=${error.value} />`}
    <div class="cards">
      <${Card} id="height" label="height" value=${height} />
      <${Card} id="final" label="final height" value=${finalHeight} />
      <${Card} id="lag" label="finality lag (blocks)" value=${finalityLag} />
      <${Card} id="open" label="open requests" value=${open} />
      <${Card} id="rewards" label="rewards paid (AIN)" value=${rewardsPaidTotal(jobs.value)} />
    </div>
    <h3>Txs and job events per block</h3>
    <${BlockChart} />
    <h3>Jobs</h3>
    <div class="panel">
      <table data-table="overview-jobs">
        <thead>
          <tr>
            <th>job</th>
            <th class="num">settled/min</th>
            <th class="num">latency p50</th>
            <th class="num">p99</th>
            <th class="num">open</th>
            <th class="num">settled</th>
            <th class="num">rewards paid</th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length === 0
              ? html`<tr>
                  <td colspan="7" class="muted">No job registered yet.</td>
                </tr>`
              : null
          }
          ${rows.map(
            ({ id, dashboard: d }) =>
              html`<tr>
                <td><${Id} id=${id} href=${`#/jobs/${id}`} /></td>
                <td class="num">${(d?.throughputPerMinute ?? 0).toFixed(2)}</td>
                <td class="num">${ms(d?.latency.p50Ms)}</td>
                <td class="num">${ms(d?.latency.p99Ms)}</td>
                <td class="num">${d?.openRequests ?? 0}</td>
                <td class="num">${d?.settled ?? 0}</td>
                <td class="num">${d?.rewardsPaid ?? '0'}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <h3>Network</h3>
    <${Network} />
  `;
}
