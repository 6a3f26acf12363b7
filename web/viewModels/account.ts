import type { AccountEvent, JobEvent, JobsEvent } from '../../schemas/index.ts';

/** One open request the account is the client or evaluator of, with what it holds in escrow (`GET /v1/accounts/<address>/requests`). */
export interface OpenRequestHold {
  readonly request: string;
  readonly job: string;
  readonly role: 'client' | 'evaluator';
  readonly state: string;
  readonly locked: string;
  readonly mayLock: string;
}

/** `GET /v1/accounts/<address>/requests`: the escrow the account's open requests hold. */
export interface AccountEscrow {
  readonly height: number;
  /** AIN in escrow from this account, over all its open requests (decimal string). */
  readonly locked: string;
  /** Challenge fees its open requests may still lock. */
  readonly mayLock: string;
  readonly covered: boolean;
  readonly count: number;
  readonly requests: readonly OpenRequestHold[];
  readonly warning: string | null;
}

export interface AccountState {
  readonly address: string;
  /** The account's value stream: balance, stake, unbonding, nonce (null until its first event). */
  readonly account: AccountEvent | null;
  readonly escrow: AccountEscrow | null;
  /**
   * The height of a block that changed the account or named it in a job event after the escrow was
   * read: the view reads the escrow again (null: the escrow is current).
   */
  readonly escrowStaleAt: number | null;
}

export type AccountViewEvent =
  | { readonly type: 'account'; readonly data: AccountEvent }
  | { readonly type: 'escrow'; readonly escrow: AccountEscrow }
  /** The `jobs` stream: a block's job events, of which those naming the account move its escrow. */
  | { readonly type: 'jobs'; readonly data: JobsEvent };

export const initialAccount = (address: string): AccountState => ({ address, account: null, escrow: null, escrowStaleAt: null });

/** Whether a job event names `address` as its client, evaluator, node or challenger: only those lock or pay out its escrow. */
export function namesAccount(event: JobEvent, address: string): boolean {
  const named = event as Partial<Record<'client' | 'evaluator' | 'node' | 'challenger', string | null>>;
  return named.client === address || named.evaluator === address || named.node === address || named.challenger === address;
}

const staleFrom = (state: AccountState, height: number): AccountState =>
  state.escrow !== null && height <= state.escrow.height ? state : { ...state, escrowStaleAt: Math.max(state.escrowStaleAt ?? 0, height) };

/**
 * An account's page: its value stream's balance, stake and unbonding, and the escrow its open
 * requests hold, read again after each block that changed the account or named it in a job event
 * (a settlement pays out of escrow without touching the client's balance). An escrow read at or
 * after the stale height makes it current.
 * @example applyAccount(initialAccount(a), { type: 'account', data }).escrowStaleAt // data.height
 */
export function applyAccount(state: AccountState, event: AccountViewEvent): AccountState {
  switch (event.type) {
    case 'account':
      if (state.account !== null && event.data.height < state.account.height) return state;
      return staleFrom({ ...state, account: event.data }, event.data.height);
    case 'escrow': {
      if (state.escrow !== null && event.escrow.height < state.escrow.height) return state;
      const current = state.escrowStaleAt === null || event.escrow.height >= state.escrowStaleAt;
      return { ...state, escrow: event.escrow, escrowStaleAt: current ? null : state.escrowStaleAt };
    }
    case 'jobs':
      return event.data.events.some((e) => namesAccount(e, state.address)) ? staleFrom(state, event.data.height) : state;
  }
}
