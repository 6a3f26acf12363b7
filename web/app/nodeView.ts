import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { NodeReputation } from '../../schemas/index.ts';
import { applyNodeRatings, eloSeries, initialNodeRatings, type NodeRatingsState, type RatingPoint } from '../viewModels/index.ts';
import { getJson } from './api.ts';
import { follow } from './live.ts';
import { Failure, html, Id, ms, ratio, short } from './ui.ts';

const colors = ['#2456a6', '#c2410c', '#15803d', '#7c3aed', '#be185d', '#0e7490', '#a16207', '#475569'];

/** The node's Elo in each of its jobs, by block height (uPlot); made again when its jobs change. */
function EloChart({ state }: { state: NodeRatingsState }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { jobs, data } = eloSeries(state);
  const key = jobs.join(',');
  useEffect(() => {
    const width = () => Math.max(280, box.current!.clientWidth);
    plot.current = new uPlot(
      {
        width: width(),
        height: 240,
        scales: { x: { time: false } },
        axes: [{ label: 'block height' }, { label: 'Elo' }],
        series: [
          { label: 'height' },
          ...jobs.map((job, i) => ({ label: `job ${short(job)}`, stroke: colors[i % colors.length]!, width: 1.5, spanGaps: true })),
        ],
      },
      data,
      box.current!,
    );
    const resize = () => plot.current?.setSize({ width: width(), height: 240 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.current?.destroy();
    };
  }, [key]);
  useEffect(() => plot.current?.setData(data));
  return html`<div class="panel" ref=${box} data-chart="elo"></div>`;
}

/** One node: its Elo over time in each job, and its reputation per job; live from `reputation/<address>`. */
export function NodeView({ address }: { address: string }) {
  const state = useSignal(initialNodeRatings(address));
  const error = useSignal<unknown>(null);
  const valid = /^0x[0-9a-f]{40}$/.test(address);
  useEffect(() => {
    if (!valid)
      return follow(
        [],
        () => undefined,
        async () => undefined,
      );
    const load = async () => {
      const [node, history] = await Promise.all([
        getJson<{ height: number; jobs: (NodeReputation & { job: string })[] }>(`/v1/reputation/${address}`),
        getJson<{ height: number; points: RatingPoint[] }>(`/v1/reputation/${address}/history`),
      ]);
      state.value = applyNodeRatings(applyNodeRatings(state.value, { type: 'node', height: node.height, jobs: node.jobs }), {
        type: 'history',
        points: history.points,
      });
      error.value = null;
      return node.height;
    };
    let stop: (() => void) | undefined;
    let gone = false;
    load().then(
      (height) => {
        if (gone) return;
        stop = follow(
          [`reputation/${address}@${height + 1}`],
          (events) => {
            let next = state.value;
            for (const { event, data } of events) if (event === 'reputation') next = applyNodeRatings(next, { type: 'reputation', data });
            state.value = next;
          },
          load,
        );
      },
      (e: unknown) => (error.value = e),
    );
    return () => {
      gone = true;
      stop?.();
    };
  }, [address]);
  if (!valid)
    return html`<h2>Node</h2>
      <p class="error" role="alert">${address} is not an address: 0x and 40 lowercase hex digits.</p>`;
  const jobs = Object.entries(state.value.jobs).sort(([a], [b]) => (a < b ? -1 : 1));
  return html`
    <h2>Node <span class="mono" title=${address}>${short(address)}</span></h2>
    <p><a href=${`#/accounts/${address}`}>Its account</a> · <a href="#/nodes">every node</a></p>
    ${error.value === null ? null : html`<${Failure} error=${error.value} />`}
    <h3>Elo over time</h3>
    ${state.value.points.length === 0 ? html`<p class="muted" data-empty="elo">No rating yet: the node has not been ranked in a job this node followed.</p>` : html`<${EloChart} state=${state.value} />`}
    <h3>In each job</h3>
    <div class="panel">
      <table data-table="node-jobs">
        <thead>
          <tr>
            <th>job</th>
            <th>role</th>
            <th>status</th>
            <th class="num">Elo</th>
            <th class="num">games</th>
            <th class="num">accepted</th>
            <th class="hide-narrow num">rejected</th>
            <th class="hide-narrow num">response</th>
            <th class="hide-narrow num">ch. won</th>
            <th class="hide-narrow num">ch. lost</th>
            <th class="hide-narrow num">drops</th>
          </tr>
        </thead>
        <tbody>
          ${
            jobs.length === 0
              ? html`<tr>
                  <td colspan="11" class="muted">The node has no reputation in any job yet.</td>
                </tr>`
              : null
          }
          ${jobs.map(
            ([job, r]) =>
              html`<tr data-job=${job}>
                <td><${Id} id=${job} href=${`#/jobs/${job}`} /></td>
                <td>${r.role ?? 'client'}</td>
                <td>${r.status ?? '—'}</td>
                <td class="num" data-elo>${Math.round(r.rating)}</td>
                <td class="num">${r.games}</td>
                <td class="num">${ratio(r.acceptanceRatio)}</td>
                <td class="hide-narrow num">${ratio(r.rejectionRatio)}</td>
                <td class="hide-narrow num">${ms(r.responseMsAverage)}</td>
                <td class="hide-narrow num">${r.challengesWon}</td>
                <td class="hide-narrow num">${r.challengesLost}</td>
                <td class="hide-narrow num">${r.drops}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}
