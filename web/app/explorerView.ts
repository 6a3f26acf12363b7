import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { verifyTxProof, type TxInclusionProof } from '../../log/crypto/verifyTxProof.ts';
import type { StateProof } from '../../projections/state/checkProof.ts';
import { verifyProof, verifyShardProof, type ShardProofAnswer } from '../../projections/state/verifyProofBrowser.ts';
import { getJson } from './api.ts';
import { chain, follow } from './live.ts';
import { Failure, html, Id, Loading, when } from './ui.ts';

type Verdict = 'verified' | 'not verified' | 'checking';

const Mark = ({ verdict, why }: { verdict: Verdict; why?: string }) =>
  html`<span class=${verdict === 'verified' ? 'verified' : verdict === 'checking' ? 'muted' : 'not-verified'} data-verdict=${verdict} title=${why ?? ''}
    >${verdict === 'verified' ? '✔ verified' : verdict === 'checking' ? 'checking…' : '✘ not verified'}</span
  >`;

interface TxAnswer {
  readonly hash: string;
  readonly height: number;
  readonly index: number;
  readonly outcome: { readonly code: string; readonly message?: string };
  readonly proof: TxInclusionProof;
  readonly header: { readonly txRoot: string; readonly outcomeRoot?: string };
}

/** A tx's inclusion proof, checked in this page against its block header's roots (RFC 6962). */
async function checkTx(hash: string): Promise<{ answer: TxAnswer; verdict: Verdict; why: string }> {
  const answer = await getJson<TxAnswer>(`/v1/tx/${hash}`);
  const problem = verifyTxProof(answer.hash, answer.outcome.code, answer.proof, answer.header as Parameters<typeof verifyTxProof>[3]);
  return {
    answer,
    verdict: problem === null ? 'verified' : 'not verified',
    why: problem === null ? 'checked against the header’s txRoot' : `the proof does not reach the header’s ${problem}`,
  };
}

function Blocks() {
  const points = chain.value.points.slice(-20).reverse();
  return html`<div class="panel">
    <table data-table="blocks">
      <thead>
        <tr>
          <th>height</th>
          <th class="num">txs</th>
          <th class="num">job events</th>
          <th class="hide-narrow">proposer</th>
          <th>time</th>
        </tr>
      </thead>
      <tbody>
        ${points.map(
          (p) =>
            html`<tr>
              <td><a href=${`#/blocks/${p.height}`}>${p.height}</a></td>
              <td class="num">${p.txs}</td>
              <td class="num">${p.jobEvents}</td>
              <td class="hide-narrow"><${Id} id=${p.proposer} /></td>
              <td>${when(p.time)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function Block({ height }: { height: number }) {
  const block = useSignal<{ hash: string; header: { time: number }; txs: { hash: string; outcome: { code: string } }[]; triggers: unknown[] } | null>(null);
  const verdicts = useSignal<Record<string, Verdict>>({});
  const error = useSignal<unknown>(null);
  useEffect(() => {
    getJson<NonNullable<typeof block.value>>(`/v1/blocks/${height}`).then(
      async (answer) => {
        block.value = answer;
        for (const { hash } of answer.txs.slice(0, 50)) {
          const { verdict } = await checkTx(hash).catch(() => ({ verdict: 'not verified' as Verdict }));
          verdicts.value = { ...verdicts.value, [hash]: verdict };
        }
      },
      (e: unknown) => (error.value = e),
    );
  }, [height]);
  if (error.value !== null) return html`<${Failure} error=${error.value} />`;
  if (block.value === null) return html`<${Loading} what=${`block ${height}`} />`;
  return html`<h3>Block ${height} <span class="mono muted">${block.value.hash}</span></h3>
    <p>
      ${when(block.value.header.time)} · ${block.value.txs.length} txs ·
      <a href=${`#/triggers/${height}`} data-link="block-triggers">${block.value.triggers.length} functions fired</a>
    </p>
    <div class="panel">
      <table data-table="txs">
        <thead>
          <tr>
            <th>tx</th>
            <th>outcome</th>
            <th>inclusion proof</th>
          </tr>
        </thead>
        <tbody>
          ${block.value.txs.map(
            (tx) =>
              html`<tr>
                <td><${Id} id=${tx.hash} href=${`#/tx/${tx.hash}`} /></td>
                <td class=${tx.outcome.code === 'ok' ? '' : 'error'}>${tx.outcome.code}</td>
                <td><${Mark} verdict=${verdicts.value[tx.hash] ?? 'checking'} /></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

function Tx({ hash }: { hash: string }) {
  const checked = useSignal<Awaited<ReturnType<typeof checkTx>> | null>(null);
  const error = useSignal<unknown>(null);
  useEffect(
    () =>
      void checkTx(hash).then(
        (c) => (checked.value = c),
        (e: unknown) => (error.value = e),
      ),
    [hash],
  );
  if (error.value !== null) return html`<${Failure} error=${error.value} />`;
  if (checked.value === null) return html`<${Loading} what="the tx" />`;
  const { answer, verdict, why } = checked.value;
  return html`<h3>Tx <span class="mono">${hash}</span></h3>
    <p>
      Block <a href=${`#/blocks/${answer.height}`}>${answer.height}</a>, record ${answer.index} · outcome
      <b>${answer.outcome.code}</b>${answer.outcome.message === undefined ? '' : `: ${answer.outcome.message}`}
    </p>
    <p>Inclusion proof: <${Mark} verdict=${verdict} why=${why} /> <span class="muted">${why}</span></p>`;
}

interface ProofAnswer {
  readonly path: string;
  readonly value: unknown;
  readonly proof: StateProof;
  readonly height: number;
  readonly header: { readonly stateRoot: string };
}

/**
 * On a shard's node, the value checked through the parent (`?shard=`, `verifyShardProof`): the
 * node's answer waits for the shard's next block and its record on the parent.
 */
function ThroughParent({ path, shard }: { path: string; shard: string }) {
  const result = useSignal<{ verdict: Verdict; why: string } | null>(null);
  const check = () => {
    result.value = { verdict: 'checking', why: 'waiting for the shard’s next block and its record on the parent' };
    getJson<ShardProofAnswer>(`/v1/proof${path === '/' ? '/' : path}?shard=${encodeURIComponent(shard)}`).then(
      (a) => {
        const verdict = verifyShardProof(a, shard);
        result.value = verdict.ok
          ? { verdict: 'verified', why: `through parent block ${verdict.parentHeight} (${verdict.parentHash.slice(0, 12)}…)` }
          : { verdict: 'not verified', why: verdict.why };
      },
      (e: unknown) => void (result.value = { verdict: 'not verified', why: e instanceof Error ? e.message : String(e) }),
    );
  };
  const r = result.value;
  return html`<p data-through="parent">
    Shard ${shard}: <button data-check="parent" onClick=${check} disabled=${r?.verdict === 'checking'}>check through the parent</button>
    ${r === null ? null : html`<${Mark} verdict=${r.verdict} why=${r.why} /> <span class="muted" data-why>${r.why}</span>`}
  </p>`;
}

/** A value of the state tree, marked verified once its Merkle proof checks against the final header's stateRoot here. */
function State({ path }: { path: string }) {
  const answer = useSignal<(ProofAnswer & { verdict: Verdict }) | null>(null);
  const error = useSignal<unknown>(null);
  const shard = useSignal<string>('/');
  useEffect(
    () =>
      void getJson<{ shard: string }>('/v1/status').then(
        (s) => (shard.value = s.shard),
        () => undefined,
      ),
    [],
  );
  useEffect(() => {
    const load = (): Promise<void> =>
      getJson<ProofAnswer>(`/v1/proof${path === '/' ? '/' : path}`).then(
        (a) => {
          answer.value = { ...a, verdict: verifyProof(a.header.stateRoot, a.path, a.value, a.proof) ? 'verified' : 'not verified' };
          error.value = null;
        },
        (e: unknown) => void (error.value = e),
      );
    void load();
    const name = `state${path === '/' ? '' : path}`;
    return follow([name], (events) => void (events.length > 0 && load()), load);
  }, [path]);
  const a = answer.value;
  const keys = a !== null && typeof a.value === 'object' && a.value !== null && !Array.isArray(a.value) ? Object.keys(a.value).slice(0, 200) : [];
  return html`<h3>State <span class="mono">${path}</span></h3>
    ${error.value === null ? null : html`<${Failure} error=${error.value} />`}
    ${
      a === null
        ? html`<${Loading} what=${path} />`
        : html` <p data-state-path=${a.path}>
              After block ${a.height}: <${Mark} verdict=${a.verdict} why="the Merkle proof checked in this page against the final header’s stateRoot" />
            </p>
            ${shard.value === '/' ? null : html`<${ThroughParent} path=${path} shard=${shard.value} />`}
            ${keys.length === 0 ? null : html`<p>${keys.map((k) => html`<a class="mono" href=${`#/state${path === '/' ? '' : path}/${encodeURIComponent(k)}`}>${k}</a> `)}</p>`}
            <pre>${JSON.stringify(a.value, null, 2)}</pre>`
    }`;
}

/** Explorer: the latest blocks, a block's txs with their outcome codes and inclusion proofs, a tx, a state browser. */
export function ExplorerView({ parts }: { parts: readonly string[]; rest: readonly string[] }) {
  const [head, id] = parts;
  // The latest blocks, and the page's header, live; the state browser follows its own path instead.
  useEffect(
    () =>
      head === 'state'
        ? undefined
        : follow(
            [],
            () => undefined,
            async () => undefined,
          ),
    [head],
  );
  const go = (e: Event) => {
    e.preventDefault();
    const value = ((e.target as HTMLFormElement).elements.namedItem('q') as HTMLInputElement).value.trim();
    location.hash = /^[0-9]+$/.test(value) ? `#/blocks/${value}` : /^[0-9a-f]{64}$/.test(value) ? `#/tx/${value}` : `#/state/${value.replace(/^\//, '')}`;
  };
  return html`
    <h2>Explorer</h2>
    <form class="filters" onSubmit=${go}>
      <input name="q" placeholder="height, tx hash or state path (/apps/…)" size="40" /><button>Go</button> <a href="#/state/">state tree</a>
    </form>
    ${head === 'blocks' && id !== undefined ? html`<${Block} height=${Number(id)} />` : null}
    ${head === 'tx' && id !== undefined ? html`<${Tx} hash=${id} />` : null}
    ${head === 'state' ? html`<${State} path=${`/${parts.slice(1).join('/')}`} />` : null}
    ${
      head === 'explorer'
        ? html`<h3>Latest blocks</h3>
            <${Blocks} />`
        : null
    }
  `;
}
