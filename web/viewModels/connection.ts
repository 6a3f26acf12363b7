/** How the page's link to its node stands, as it tells the person looking at it. */
export type ConnectionStatus = 'connecting' | 'live' | 'unreachable' | 'ended';

export interface ConnectionState {
  readonly status: ConnectionStatus;
  /** A sentence for a person: what is wrong and what the page does about it (empty while live). */
  readonly message: string;
  /** Reconnections since the page opened. */
  readonly reconnects: number;
}

export type ConnectionEvent =
  | { readonly type: 'open' }
  /** The socket dropped, or the node did not answer a read. */
  | { readonly type: 'unreachable'; readonly node: string }
  /** The node ended the stream with an error event (SHUTTING_DOWN, SLOW_CONSUMER, …). */
  | { readonly type: 'ended'; readonly code: string; readonly message: string };

export const initialConnection: ConnectionState = { status: 'connecting', message: 'Connecting to the node…', reconnects: 0 };

/**
 * The connection banner's state: the page says plainly when the node cannot be reached or a
 * stream ended, and that it is trying again.
 * @example applyConnection(initialConnection, { type: 'open' }).status // 'live'
 */
export function applyConnection(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  switch (event.type) {
    case 'open':
      return { status: 'live', message: '', reconnects: state.status === 'connecting' && state.reconnects === 0 ? 0 : state.reconnects + 1 };
    case 'unreachable':
      return {
        ...state,
        status: 'unreachable',
        message: `The node at ${event.node} cannot be reached; what you see may be out of date. Retrying…`,
      };
    case 'ended':
      return { ...state, status: 'ended', message: `The node ended the live stream (${event.code}: ${event.message}) Reconnecting…` };
  }
}
