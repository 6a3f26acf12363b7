import { useSignal, useSignalEffect } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { applyAccount, initialAccount, type AccountEscrow } from '../viewModels/index.ts';
import { getJson } from './api.ts';
import { follow } from './live.ts';
import { Card, Failure, html, Id } from './ui.ts';

/** The escrow the account's open requests hold, each linked to its request. */
function Escrow({ escrow }: { escrow: AccountEscrow }) {
  return html`
    <h3>Escrow held for ${escrow.count} open request${escrow.count === 1 ? '' : 's'}</h3>
    ${escrow.warning === null ? null : html`<p class="error" role="alert">${escrow.warning}</p>`}
    <div class="panel">
      <table data-table="escrow">
        <thead>
          <tr>
            <th>request</th>
            <th class="hide-narrow">job</th>
            <th>as</th>
            <th>state</th>
            <th class="num">locked</th>
            <th class="hide-narrow num">may lock</th>
          </tr>
        </thead>
        <tbody>
          ${
            escrow.requests.length === 0
              ? html`<tr>
                  <td colspan="6" class="muted">No open request holds AIN of this account.</td>
                </tr>`
              : null
          }
          ${escrow.requests.map(
            (r) =>
              html`<tr data-request=${r.request}>
                <td><${Id} id=${r.request} href=${`#/requests/${r.request}`} /></td>
                <td class="hide-narrow"><${Id} id=${r.job} href=${`#/jobs/${r.job}`} /></td>
                <td>${r.role}</td>
                <td>${r.state}</td>
                <td class="num">${r.locked}</td>
                <td class="hide-narrow num">${r.mayLock}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}

/** An account: balance, escrow held, stake, unbonding and nonce, live from its value stream and the job events that name it. */
export function AccountView({ address }: { address: string }) {
  const state = useSignal(initialAccount(address));
  const error = useSignal<unknown>(null);
  const reading = useRef(false);
  const valid = /^0x[0-9a-f]{40}$/.test(address);
  useEffect(() => {
    // No account yet: the header alone stays live.
    if (!valid)
      return follow(
        [],
        () => undefined,
        async () => undefined,
      );
    // The value stream sends the account at once, then after each block that changes it; a job
    // event naming the account (a settlement pays out of its escrow) makes the page read the escrow again.
    return follow(
      [`accounts/${address}`, 'jobs'],
      (events) => {
        let next = state.value;
        for (const { event, data } of events) {
          if (event === 'account') next = applyAccount(next, { type: 'account', data });
          if (event === 'jobs') next = applyAccount(next, { type: 'jobs', data });
        }
        state.value = next;
      },
      async () => undefined,
    );
  }, [address]);
  // One read of the escrow at a time; a block that came during it makes another.
  useSignalEffect(() => {
    if (state.value.escrowStaleAt === null || reading.current) return;
    reading.current = true;
    getJson<AccountEscrow>(`/v1/accounts/${address}/requests`)
      .then(
        (escrow) => {
          error.value = null;
          state.value = applyAccount(state.value, { type: 'escrow', escrow });
        },
        (e: unknown) => (error.value = e),
      )
      .finally(() => {
        reading.current = false;
        // Read again if a block made it stale while this read was out.
        if (state.value.escrowStaleAt !== null) state.value = { ...state.value };
      });
  });
  const open = (e: Event) => {
    e.preventDefault();
    location.hash = `#/accounts/${((e.target as HTMLFormElement).elements.namedItem('address') as HTMLInputElement).value.trim().toLowerCase()}`;
  };
  const { account: a, escrow } = state.value;
  return html`
    <h2>Accounts</h2>
    <form class="filters" onSubmit=${open}><input name="address" placeholder="0x… address" size="44" value=${address} /><button>Show</button></form>
    ${address === '' ? html`<p class="muted">Give an address to follow its balance live.</p>` : null}
    ${address !== '' && !valid ? html`<p class="error" role="alert">${address} is not an address: 0x and 40 lowercase hex digits.</p>` : null}
    ${error.value === null ? null : html`<${Failure} error=${error.value} />`}
    ${
      a === null
        ? null
        : html`<div class="cards" data-account=${address}>
              <${Card} id="balance" label="balance (AIN)" value=${a.balance} />
              <${Card} id="escrow" label="escrow held" value=${escrow?.locked ?? '…'} />
              <${Card} id="stake" label="stake" value=${a.stake} />
              <${Card} id="unbonding" label="unbonding" value=${a.unbonding} />
              <${Card} id="nonce" label="nonce" value=${a.nonce} />
              <${Card} id="at" label="as of block" value=${a.height} />
            </div>
            <p><a href=${`#/nodes/${address}`}>Its reputation and Elo over time</a></p>`
    }
    ${escrow === null ? null : html`<${Escrow} escrow=${escrow} />`}
  `;
}
