import { signal } from '@preact/signals';
import { render } from 'preact';
import { AccountView } from './accountView.ts';
import { ExplorerView } from './explorerView.ts';
import { JobView, JobsView } from './jobsView.ts';
import { NodeView } from './nodeView.ts';
import { chain, connection } from './live.ts';
import { OverviewView } from './overviewView.ts';
import { ReputationView } from './reputationView.ts';
import { RequestView } from './requestView.ts';
import { TriggersView } from './triggersView.ts';
import { html } from './ui.ts';

/** Where the page is: the hash route (`#/jobs/<id>?state=open`), so every view has a URL to share. */
export interface Route {
  readonly parts: readonly string[];
  readonly query: URLSearchParams;
}

const parse = (): Route => {
  const [path = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  return {
    parts: path
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent),
    query: new URLSearchParams(query),
  };
};
const route = signal(parse());
addEventListener('hashchange', () => (route.value = parse()));

const sections = [
  ['', 'Overview'],
  ['jobs', 'Jobs'],
  ['nodes', 'Nodes & reputation'],
  ['explorer', 'Explorer'],
  ['accounts', 'Accounts'],
  ['triggers', 'Triggers'],
] as const;

function View({ route: { parts, query } }: { route: Route }) {
  const [head = '', id, ...rest] = parts;
  switch (head) {
    case '':
      return html`<${OverviewView} />`;
    case 'jobs':
      return id === undefined ? html`<${JobsView} state=${query.get('state') ?? ''} />` : html`<${JobView} key=${id} id=${id} />`;
    case 'requests':
      return html`<${RequestView} key=${id} id=${id ?? ''} />`;
    case 'nodes':
      return id === undefined ? html`<${ReputationView} query=${query} />` : html`<${NodeView} key=${id} address=${id} />`;
    case 'explorer':
    case 'blocks':
    case 'tx':
    case 'state':
      return html`<${ExplorerView} key=${parts.join('/')} parts=${parts} rest=${rest} />`;
    case 'triggers': {
      const height = id === undefined ? undefined : Number(id);
      if (height !== undefined && !(Number.isSafeInteger(height) && height >= 1))
        return html`<p>${id} is not a block height; <a href="#/triggers">every block's triggers</a> are.</p>`;
      return html`<${TriggersView} key=${id ?? ''} height=${height} functionId=${query.get('function') ?? undefined} />`;
    }
    case 'accounts':
      return html`<${AccountView} key=${id ?? ''} address=${id ?? ''} />`;
    default:
      return html`<p>There is no page #/${parts.join('/')}; <a href="#/">the overview</a> is.</p>`;
  }
}

function App() {
  const here = route.value.parts[0] ?? '';
  const { status, message } = connection.value;
  const { height, finalHeight, finalityLag } = chain.value;
  return html`
    <header class="top">
      <h1>ain</h1>
      <nav>
        ${sections.map(([path, name]) => html`<a href=${`#/${path}`} class=${here === path || (path === 'explorer' && ['blocks', 'tx', 'state'].includes(here)) ? 'here' : ''}>${name}</a>`)}
      </nav>
      <span class="chainline" data-status=${status}>${height === 0 ? 'height …' : `height ${height} · final ${finalHeight} · lag ${finalityLag}`}</span>
    </header>
    ${status !== 'live' ? html`<div class=${`banner ${status}`} role="status" data-connection=${status}>${message}</div>` : null}
    <main><${View} route=${route.value} /></main>
  `;
}

const root = document.getElementById('app')!;
root.textContent = ''; // the "Loading…" line the page showed before its modules came
render(html`<${App} />`, root);
