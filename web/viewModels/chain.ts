import type { BlockEvent, FinalityEvent } from '../../schemas/index.ts';

/** One block as the overview's chart plots it. */
export interface BlockPoint {
  readonly height: number;
  readonly time: number;
  readonly txs: number;
  readonly jobEvents: number;
  readonly proposer: string;
}

export interface ChainState {
  /** The latest block the page has seen (0: none yet). */
  readonly height: number;
  readonly finalHeight: number;
  /** Blocks not final yet: height − final height. */
  readonly finalityLag: number;
  /** The latest blocks, ascending by height, `pointsMax` at most. */
  readonly points: readonly BlockPoint[];
  readonly chain: string;
}

/** A block as `GET /v1/blocks` answers it (the fields the chart plots). */
export interface RestBlock {
  readonly header: { readonly height: number; readonly time: number; readonly proposer: string };
  readonly txs: readonly unknown[];
  readonly jobEvents: readonly unknown[];
  readonly finalized: { readonly height: number };
}

export type ChainEvent =
  /** `GET /v1/status`: `finalized` is the final height. */
  | { readonly type: 'status'; readonly status: { readonly chain: string; readonly height: number; readonly finalized: number } }
  /** Blocks read from `GET /v1/blocks` when the stream's history does not reach back far enough. */
  | { readonly type: 'history'; readonly blocks: readonly RestBlock[] }
  | { readonly type: 'block'; readonly data: BlockEvent }
  | { readonly type: 'finality'; readonly data: FinalityEvent };

/** Blocks the overview's chart shows. */
export const chainPointsMax = 300;

export const initialChain: ChainState = { height: 0, finalHeight: 0, finalityLag: 0, points: [], chain: '' };

const withLag = (state: ChainState): ChainState => ({ ...state, finalityLag: Math.max(0, state.height - state.finalHeight) });

/**
 * The overview's chain figures from `GET /v1/status` and the `blocks` and `finality` streams: a
 * block seen twice (a replay after a reconnect) replaces itself, and heights never go back.
 * @example applyChain(initialChain, { type: 'block', data: blockEvent }).height // blockEvent.height
 */
export function applyChain(state: ChainState, event: ChainEvent): ChainState {
  switch (event.type) {
    case 'status':
      return withLag({
        ...state,
        chain: event.status.chain,
        height: Math.max(state.height, event.status.height),
        finalHeight: Math.max(state.finalHeight, event.status.finalized),
      });
    case 'history':
      return event.blocks.reduce(
        (s, { header, txs, jobEvents, finalized }) =>
          applyChain(s, {
            type: 'block',
            data: { height: header.height, header, txs: txs.length, jobEvents: jobEvents.length, finalized } as unknown as BlockEvent,
          }),
        state,
      );
    case 'block': {
      const { height, header, txs, jobEvents, finalized } = event.data;
      const point: BlockPoint = { height, time: header.time, txs, jobEvents, proposer: header.proposer };
      const kept = state.points.filter((p) => p.height !== height);
      const at = kept.findIndex((p) => p.height > height);
      const points = at < 0 ? [...kept, point] : [...kept.slice(0, at), point, ...kept.slice(at)];
      return withLag({
        ...state,
        height: Math.max(state.height, height),
        finalHeight: Math.max(state.finalHeight, finalized.height),
        points: points.slice(-chainPointsMax),
      });
    }
    case 'finality':
      return withLag({ ...state, finalHeight: Math.max(state.finalHeight, event.data.finalized.height) });
  }
}
