import { useSignal, useSignalEffect } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import {
  applyChain,
  applyHealth,
  applyJobs,
  applyNetwork,
  initialHealth,
  initialJobs,
  initialNetwork,
  jobRows,
  networkBlocksMax,
  rewardsPaidTotal,
  validatorRows,
  type HealthAnswer,
  type HealthState,
  type JobSummary,
  type NetAnswer,
  type NetworkState,
  type RestBlock,
} from '../viewModels/index.ts';
import { getJson } from './api.ts';
import { chain, follow } from './live.ts';
import { Card, Failure, html, Id, ms, ratio, when } from './ui.ts';

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

/** How often the overview reads `GET /v1/net` (on a network) and `GET /v1/health` again. */
const netRefreshMs = 5_000;

/**
 * What keeps the node from its work now, as `GET /v1/health` lists it (read again every 5 s):
 * each problem's code and sentence, since when, and the validators and peers it names; or that
 * nothing does. Nothing before the first read.
 */
function Health({ health }: { health: HealthState }) {
  if (!health.read) return null;
  if (health.rows.length === 0) return html`<p class="health ok" data-health="ok">No problems: nothing keeps this node from its work.</p>`;
  return html`<div class="panel health" data-health="problems" role="status">
    <ul>
      ${health.rows.map(
        (row) =>
          html`<li data-problem=${row.code}>
            <strong>${row.code}</strong>${row.since === null ? null : html` <span class="muted">since ${when(row.since)}</span>`}
            <div>${row.message}</div>
            ${
              row.validators.length === 0
                ? null
                : html`<div data-names="validators">validators: ${row.validators.map((v) => html`<${Id} id=${v} href=${`#/accounts/${v}`} /> `)}</div>`
            }
            ${row.peers.length === 0 ? null : html`<div data-names="peers" class="mono">peers: ${row.peers.join(', ')}</div>`}
            ${row.more === 0 ? null : html`<div class="muted">and ${row.more} more</div>`}
          </li>`,
      )}
    </ul>
  </div>`;
}

/** The network: the recent blocks with their proposer and, on a network, the round and signers of their commit; the validators with stake and voting power. */
function Network({ network }: { network: NetworkState }) {
  const validators = validatorRows(network);
  const recent = [...network.blocks].reverse();
  return html`<div class="panel" data-network>
    <p>${network.onNetwork ? `${network.peerCount} peers connected; ${validators.length} validators.` : 'One node: it proposes and validates every block.'}</p>
    ${
      network.peers.length === 0
        ? null
        : html`<details data-peers>
            <summary>peers (libp2p ids)</summary>
            <ul class="mono">
              ${network.peers.map((p) => html`<li>${p}</li>`)}
            </ul>
          </details>`
    }
    ${
      network.onNetwork
        ? html`<table data-table="validators">
            <caption>
              Validators
            </caption>
            <thead>
              <tr>
                <th>validator</th>
                <th class="num">stake</th>
                <th class="num">voting power</th>
                <th class="num">proposed (of ${network.blocks.length})</th>
                <th title="whether its node answered this node in the last 10 s (known once this node reached it)">node</th>
              </tr>
            </thead>
            <tbody>
              ${validators.map(
                (v) =>
                  html`<tr data-validator=${v.address}>
                    <td><${Id} id=${v.address} href=${`#/accounts/${v.address}`} /></td>
                    <td class="num">${v.stake}</td>
                    <td class="num">${ratio(v.power)}</td>
                    <td class="num">${v.proposed}</td>
                    <td data-reach title=${v.reach?.peerId ?? 'not reached directly by this node'}>
                      ${v.reach === null ? '—' : v.reach.reachable ? 'answers' : html`<strong>not answering</strong>`}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : null
    }
    <table data-table="proposers">
      <caption>
        The latest blocks
      </caption>
      <thead>
        <tr>
          <th class="num">block</th>
          <th class="hide-narrow">time</th>
          <th>proposer</th>
          ${
            network.onNetwork
              ? html`<th class="num" title="the round its commit was decided in">round</th>
                  <th class="num" title="validators whose precommits its commit holds">signers</th>`
              : null
          }
        </tr>
      </thead>
      <tbody>
        ${recent.map(
          (b) =>
            html`<tr data-proposed=${b.height}>
              <td class="num"><a href=${`#/blocks/${b.height}`}>${b.height}</a></td>
              <td class="hide-narrow">${when(b.time)}</td>
              <td><${Id} id=${b.proposer} href=${`#/accounts/${b.proposer}`} /></td>
              ${
                network.onNetwork
                  ? html`<td class="num">${b.round ?? '—'}</td>
                      <td class="num">${b.signers ?? '—'}</td>`
                  : null
              }
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** The overview: the chain's height and finality, its activity per block, and each job's figures. */
export function OverviewView() {
  const jobs = useSignal(initialJobs);
  const network = useSignal(initialNetwork);
  const health = useSignal(initialHealth);
  const error = useSignal<unknown>(null);
  useEffect(() => {
    let stop: (() => void) | undefined;
    let gone = false;
    const load = async () => {
      const [status, list, net] = await Promise.all([
        getJson<Status>('/v1/status'),
        getJson<{ height: number; jobs: JobSummary[] }>('/v1/jobs?limit=100'),
        // A node without a p2p config answers 404: it is its own network.
        getJson<NetAnswer>('/v1/net').catch(() => null),
      ]);
      chain.value = applyChain(chain.value, { type: 'status', status });
      if (net !== null) network.value = applyNetwork(network.value, { type: 'net', net });
      jobs.value = applyJobs(jobs.value, { type: 'snapshot', height: list.height, jobs: list.jobs });
      error.value = null;
      return status;
    };
    load().then(
      (status) => {
        if (gone) return;
        const from = Math.max(1, status.height - 299);
        stop = follow(
          [`blocks@${from}`, 'dashboard', `consensus@${Math.max(1, status.height - networkBlocksMax + 1)}`],
          (events) => {
            let state = jobs.value;
            let net = network.value;
            for (const { event, data } of events) {
              if (event === 'dashboard') state = applyJobs(state, { type: 'dashboard', data });
              if (event === 'consensus') net = applyNetwork(net, { type: 'consensus', data });
            }
            jobs.value = state;
            network.value = net;
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
    // GET /v1/health now and every 5 s; on a network GET /v1/net too: the peers, and whether each validator's node answers.
    // Each read numbered: an answer that comes after a later one's is dropped, so a cleared problem does not come back.
    let asked = 0;
    let shown = 0;
    const readHealth = () => {
      const n = ++asked;
      const show = (answer: HealthAnswer | null) => {
        if (gone || n < shown) return;
        shown = n;
        health.value = applyHealth(health.value, answer);
      };
      getJson<HealthAnswer>('/v1/health').then(show, () => show(null));
    };
    readHealth();
    const refresh = setInterval(() => {
      readHealth();
      if (!network.value.onNetwork) return;
      getJson<NetAnswer>('/v1/net').then(
        (net) => {
          if (!gone) network.value = applyNetwork(network.value, { type: 'net', net });
        },
        () => undefined,
      );
    }, netRefreshMs);
    return () => {
      gone = true;
      clearInterval(refresh);
      stop?.();
    };
  }, []);
  const { height, finalHeight, finalityLag } = chain.value;
  const rows = jobRows(jobs.value);
  const open = rows.reduce((sum, row) => sum + (row.dashboard?.openRequests ?? 0), 0);
  return html`
    <h2>Overview</h2>
    ${error.value === null ? null : html`<${Failure} error=${error.value} />`}
    <${Health} health=${health.value} />
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
            <th class="num">p95</th>
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
                  <td colspan="8" class="muted">No job registered yet.</td>
                </tr>`
              : null
          }
          ${rows.map(
            ({ id, dashboard: d }) =>
              html`<tr>
                <td><${Id} id=${id} href=${`#/jobs/${id}`} /></td>
                <td class="num">${(d?.throughputPerMinute ?? 0).toFixed(2)}</td>
                <td class="num">${ms(d?.latency.p50Ms)}</td>
                <td class="num">${ms(d?.latency.p95Ms)}</td>
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
    <${Network} network=${network.value} />
  `;
}
