import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { applyTriggers, initialTriggers, triggerRows, type TriggerRow, type TriggersBlock } from '../viewModels/index.ts';
import { getJson } from './api.ts';
import { follow } from './live.ts';
import { Failure, html, Id, when } from './ui.ts';

/** Blocks the list reads over REST before it follows the stream (a read holds 100 at most). */
const blocksRead = 100;
const valueCharsMax = 60;

const json = (value: unknown) => {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > valueCharsMax ? `${text.slice(0, valueCharsMax)}…` : text;
};
const statePath = (path: string) => `#/state${path}`;

function Row({ r }: { r: TriggerRow }) {
  const params = Object.entries(r.params)
    .map(([k, v]) => `$${k}=${v}`)
    .join(' ');
  return html`<tr data-trigger=${`${r.height}/${r.index}`}>
    <td class="num"><a href=${`#/triggers/${r.height}`}>${r.height}</a></td>
    <td><a class="mono" href=${statePath(r.path)}>${r.path}</a></td>
    <td class="hide-narrow mono">${r.functionPath}</td>
    <td><a href=${`#/triggers?function=${encodeURIComponent(r.functionId)}`}>${r.functionId}</a></td>
    <td class="hide-narrow">${r.function.runtime}</td>
    <td class="hide-narrow mono">${params}</td>
    <td><${Id} id=${r.auth} href=${r.auth === null ? undefined : `#/accounts/${r.auth}`} /></td>
    <td class="hide-narrow mono" title=${JSON.stringify(r.before)}>${json(r.before)}</td>
    <td class="mono" title=${JSON.stringify(r.after)}>${json(r.after)}</td>
    <td class="hide-narrow">${when(r.time)}</td>
  </tr>`;
}

/**
 * Triggers: the functions each block's writes fired (`set_function`), latest first, live from the
 * `triggers` stream; `#/triggers/<height>` one block's, `?function=<id>` one function's.
 */
export function TriggersView({ height, functionId }: { height?: number; functionId?: string }) {
  const state = useSignal(initialTriggers);
  const error = useSignal<unknown>(null);
  const one = height !== undefined;
  useEffect(() => {
    const load = async () => {
      if (one) {
        const block = await getJson<TriggersBlock>(`/v1/blocks/${height}`);
        state.value = applyTriggers(state.value, { type: 'blocks', blocks: [block] });
        return height;
      }
      const { height: latest } = await getJson<{ height: number }>('/v1/status');
      if (latest === 0) return 0;
      // A read may stop short of `latest` (it holds so many txs at most): the stream goes on from where it stopped.
      const { to, blocks } = await getJson<{ to: number; blocks: TriggersBlock[] }>(`/v1/blocks?from=${Math.max(1, latest - blocksRead + 1)}&to=${latest}`);
      state.value = applyTriggers(state.value, { type: 'blocks', blocks });
      return to;
    };
    let stop: (() => void) | undefined;
    let gone = false;
    load().then(
      (latest) => {
        error.value = null;
        if (gone) return;
        // One block's page keeps the header live; the list follows the stream after what it read.
        stop = one
          ? follow(
              [],
              () => undefined,
              async () => undefined,
            )
          : follow(
              [`triggers@${latest + 1}`],
              (events) => {
                let next = state.value;
                for (const { event, data } of events) if (event === 'triggers') next = applyTriggers(next, { type: 'triggers', data });
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
  }, [height]);
  const rows = triggerRows(state.value, { ...(one ? { height } : {}), ...(functionId === undefined ? {} : { functionId }) });
  const scope = one ? `block ${height}` : functionId !== undefined ? `function ${functionId}` : `the last ${blocksRead} blocks and since`;
  return html`
    <h2>Triggers</h2>
    <p>
      The functions ${scope} fired: a write to a path under a function's pattern (<code>set_function</code>) fires it, and the agents subscribed to it run it.
      ${one || functionId !== undefined ? html` <a href="#/triggers">Every block's</a>.` : null}
      ${one ? html` <a href=${`#/blocks/${height}`}>Block ${height} in the explorer</a>.` : null}
    </p>
    ${error.value === null ? null : html`<${Failure} error=${error.value} />`}
    <div class="panel">
      <table data-table="triggers">
        <thead>
          <tr>
            <th class="num">block</th>
            <th>path written</th>
            <th class="hide-narrow">function path</th>
            <th>id</th>
            <th class="hide-narrow">runtime</th>
            <th class="hide-narrow">params</th>
            <th>by</th>
            <th class="hide-narrow">before</th>
            <th>after</th>
            <th class="hide-narrow">time</th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length === 0
              ? html`<tr data-empty="triggers">
                  <td colspan="10" class="muted">No function fired ${one ? 'in this block' : 'yet in these blocks'}.</td>
                </tr>`
              : null
          }
          ${rows.map((r) => html`<${Row} key=${`${r.height}/${r.index}`} r=${r} />`)}
        </tbody>
      </table>
    </div>
  `;
}
