import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { JobEvent } from '../../schemas/index.ts';
import { applyRequest, initialRequest, payoutTotals, stepsOf, type RequestRecord, type RequestState } from '../viewModels/index.ts';
import { getJson } from './api.ts';
import { follow } from './live.ts';
import { Failure, html, Id, Loading, ms, when } from './ui.ts';

/** Heights read at most when the node's stream history no longer reaches the request's block. */
const historyReadsMax = 20;

/** The request's job events from its block on, from `GET /v1/blocks` (100 heights a read). */
async function readHistory(id: string, from: number, apply: (height: number, events: JobEvent[]) => void): Promise<number> {
  let next = from;
  for (let reads = 0; reads < historyReadsMax; reads++) {
    const range = await getJson<{ to: number; blocks: { header: { height: number }; jobEvents: JobEvent[] }[] }>(`/v1/blocks?from=${next}&limit=100`);
    for (const block of range.blocks)
      apply(
        block.header.height,
        block.jobEvents.filter((e) => 'request' in e && e.request === id),
      );
    if (range.blocks.length === 0 || range.to < next) break;
    next = range.to + 1;
  }
  return next - 1;
}

function Stepper({ state }: { state: RequestState }) {
  const steps = stepsOf(state);
  const current = steps.indexOf(state.state as (typeof steps)[number]);
  return html`<ol class="stepper" data-state=${state.state}>
    ${steps.map((step, i) => {
      const reached = state.reached[step];
      return html`<li class=${i === current ? 'current' : i < current ? 'done' : ''} data-step=${step}>
        <div class="name">${step}</div>
        <div class="when">
          ${reached === undefined ? (i < current ? 'passed' : '') : reached.height === null ? 'deadline passed' : `block ${reached.height} · ${when(reached.time)}`}
        </div>
      </li>`;
    })}
  </ol>`;
}

function Countdown({ record, state }: { record: RequestRecord; state: string }) {
  const now = useSignal(Date.now());
  const ended = state === 'settled' || state === 'refunded';
  useEffect(() => {
    if (ended) return;
    const timer = setInterval(() => (now.value = Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ended]);
  if (ended) return null;
  const left = record.deadline - now.value;
  return html`<p>
    Deadline of <b>${state}</b>: ${when(record.deadline)} (${left > 0 ? `in ${ms(left)}` : `passed ${ms(-left)} ago: it moves at the next block`}).
  </p>`;
}

/** One request: the stepper of its states, one lane per worker, the escrow and where it went. */
export function RequestView({ id }: { id: string }) {
  const state = useSignal(initialRequest(id));
  const error = useSignal<unknown>(null);
  /** Why it is where it is (`GET /v1/requests/<id>/explain`), re-read as its events come. */
  const why = useSignal<readonly string[]>([]);
  useEffect(() => {
    let stop: (() => void) | undefined;
    let gone = false;
    const apply = (height: number, events: readonly JobEvent[]) => (state.value = applyRequest(state.value, { type: 'jobs', height, events }));
    const loadRecord = async () => {
      const record = await getJson<RequestRecord & { kind: string }>(`/v1/jobs/${id}`);
      if (record.kind !== 'request') throw new Error(`${id} is a job, not a request: see #/jobs/${id}.`);
      state.value = applyRequest(state.value, { type: 'record', record });
      why.value = (await getJson<{ sentences: string[] }>(`/v1/requests/${id}/explain`)).sentences;
    };
    (async () => {
      await loadRecord();
      const { height } = await getJson<{ height: number }>(`/v1/tx/${id}`);
      if (gone) return;
      stop = follow(
        [`jobs/${id}@${height}`],
        (events) => {
          events.forEach((e) => apply(e.id, e.data.events));
          if (events.length > 0) void loadRecord().catch((e: unknown) => (error.value = e));
        },
        async () => {
          // The stream's history no longer reaches the request: read its blocks, then follow live.
          const read = await readHistory(id, Math.max(height, state.value.height + 1), apply);
          await loadRecord();
          return read;
        },
      );
    })().catch((e: unknown) => (error.value = e));
    return () => {
      gone = true;
      stop?.();
    };
  }, [id]);
  const s = state.value;
  if (error.value !== null && s.record === null) return html`<${Failure} error=${error.value} />`;
  if (s.record === null) return html`<${Loading} what="the request" />`;
  const record = s.record;
  const totals = payoutTotals(s);
  const workers = s.lanes.filter((l) => l.node !== record.evaluator);
  return html`
    <h2>Request <span class="mono">${id}</span></h2>
    <p>
      Job <${Id} id=${record.job} href=${`#/jobs/${record.job}`} /> · client <${Id} id=${record.client} href=${`#/accounts/${record.client}`} /> · reward
      function ${record.rewardFunction} · time limit ${ms(record.timeLimitMs)}
    </p>
    <${Stepper} state=${s} />
    <${Countdown} record=${record} state=${s.state} />
    ${why.value.length === 0 ? null : html`<div class="panel" data-why>${why.value.map((line) => html`<p>${line}</p>`)}</div>`}
    ${s.refundReason === null ? null : html`<p class="error" data-refund=${s.refundReason}>Refunded: ${s.refundReason}.</p>`}
    <h3>Escrow</h3>
    <div class="cards">
      <div class="card">
        <div class="label">held: evaluator, workers</div>
        <div class="value">[${record.reward.join(', ')}]</div>
      </div>
      <div class="card">
        <div class="label">evaluator deposit</div>
        <div class="value">${record.deposit}</div>
      </div>
      <div class="card">
        <div class="label">fee</div>
        <div class="value">${record.fee}</div>
      </div>
      ${Object.entries(totals).map(
        ([kind, amount]) =>
          html`<div class="card" data-paid=${kind}>
            <div class="label">paid: ${kind}</div>
            <div class="value">${amount}</div>
          </div>`,
      )}
    </div>
    <h3>Evaluator</h3>
    <p>
      ${record.evaluator === null ? html`<span class="muted">none accepted yet</span>` : html`<${Id} id=${record.evaluator} href=${`#/accounts/${record.evaluator}`} /> ${s.reached.ranked === undefined ? '' : `ranked in block ${s.reached.ranked.height}`}`}
    </p>
    <h3>Workers</h3>
    <div class="lanes" data-lanes>
      ${workers.length === 0 ? html`<p class="muted">No worker accepted yet.</p>` : null}
      ${workers.map(
        (l) =>
          html`<div class="lane" data-worker=${l.node}>
            <${Id} id=${l.node} href=${`#/accounts/${l.node}`} />
            <span>${l.accepted === null ? '—' : `accepted ${l.accepted.height === null ? '' : `@${l.accepted.height}`}`}</span>
            <span
              >${l.rejected !== null ? html`<span class="error">rejected: ${l.rejected.reason}</span>` : l.submitted === null ? 'no result yet' : `result in ${ms(l.submitted.responseMs)}`}</span
            >
            <span>${l.rank === null ? 'not ranked' : `rank ${l.rank}`}</span>
            <span data-payout>${l.paid === null ? '' : l.paid === '0' ? 'unpaid' : `paid ${l.paid}`}</span>
          </div>`,
      )}
    </div>
    <h3>Payouts</h3>
    <div class="panel">
      <table data-table="payouts">
        <thead>
          <tr>
            <th>to</th>
            <th>kind</th>
            <th class="num">amount</th>
          </tr>
        </thead>
        <tbody>
          ${
            s.payouts.length === 0
              ? html`<tr>
                  <td colspan="3" class="muted">Nothing paid out yet.</td>
                </tr>`
              : null
          }
          ${s.payouts.map(
            (p) =>
              html`<tr>
                <td><${Id} id=${p.to} href=${`#/accounts/${p.to}`} /></td>
                <td>${p.kind}</td>
                <td class="num">${p.amount}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}
