import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { follow } from './live.ts';
import { Card, html } from './ui.ts';

interface Account {
  readonly balance: string;
  readonly stake: string;
  readonly unbonding: string;
  readonly nonce: number;
  readonly height: number;
}

/** An account: balance, stake, unbonding and nonce, live from its value stream. */
export function AccountView({ address }: { address: string }) {
  const account = useSignal<Account | null>(null);
  useEffect(() => {
    // No account yet: the header alone stays live.
    if (!/^0x[0-9a-f]{40}$/.test(address))
      return follow(
        [],
        () => undefined,
        async () => undefined,
      );
    // The value stream sends the account at once, then after each block that changes it.
    return follow(
      [`accounts/${address}`],
      (events) => events.forEach((e) => (account.value = e.data as Account)),
      async () => undefined,
    );
  }, [address]);
  const open = (e: Event) => {
    e.preventDefault();
    location.hash = `#/accounts/${((e.target as HTMLFormElement).elements.namedItem('address') as HTMLInputElement).value.trim().toLowerCase()}`;
  };
  const a = account.value;
  return html`
    <h2>Accounts</h2>
    <form class="filters" onSubmit=${open}><input name="address" placeholder="0x… address" size="44" value=${address} /><button>Show</button></form>
    ${address === '' ? html`<p class="muted">Give an address to follow its balance live.</p>` : null}
    ${
      a === null
        ? null
        : html`<div class="cards" data-account=${address}>
            <${Card} id="balance" label="balance (AIN)" value=${a.balance} />
            <${Card} id="stake" label="stake" value=${a.stake} />
            <${Card} id="unbonding" label="unbonding" value=${a.unbonding} />
            <${Card} id="nonce" label="nonce" value=${a.nonce} />
            <${Card} id="at" label="as of block" value=${a.height} />
          </div>`
    }
  `;
}
