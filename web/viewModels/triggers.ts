import type { FiredTrigger, TriggersEvent } from '../../schemas/index.ts';

/** One function a block's write fired, where it sits in its block. */
export interface TriggerRow extends FiredTrigger {
  /** Its place among the block's fired functions, from 0. */
  readonly index: number;
}

export interface TriggersState {
  /** The latest height read or streamed (0: none yet). */
  readonly height: number;
  /** Ascending by height, then index; `triggerRowsMax` at most. */
  readonly rows: readonly TriggerRow[];
}

/** A block as `GET /v1/blocks` answers it, the fields the view reads. */
export interface TriggersBlock {
  readonly header: { readonly height: number };
  readonly triggers: readonly FiredTrigger[];
}

export type TriggersViewEvent =
  /** Blocks read from `GET /v1/blocks` (or one from `GET /v1/blocks/<height>`), with the functions each fired (none, often). */
  { readonly type: 'blocks'; readonly blocks: readonly TriggersBlock[] } | { readonly type: 'triggers'; readonly data: TriggersEvent };

/** Fired functions the view holds. */
export const triggerRowsMax = 500;

export const initialTriggers: TriggersState = { height: 0, rows: [] };

function withBlock(state: TriggersState, height: number, triggers: readonly FiredTrigger[]): TriggersState {
  const kept = state.rows.filter((r) => r.height !== height);
  const mine = triggers.map((trigger, index) => ({ ...trigger, height, index }));
  const at = kept.findIndex((r) => r.height > height);
  const rows = at < 0 ? [...kept, ...mine] : [...kept.slice(0, at), ...mine, ...kept.slice(at)];
  return { height: Math.max(state.height, height), rows: rows.slice(-triggerRowsMax) };
}

/**
 * The triggers view: the functions each block fired, from blocks read over REST and the
 * `triggers` stream. A block's functions replace what the view held of that block, so a block
 * read twice (a replay after a reconnect) counts once.
 * @example applyTriggers(initialTriggers, { type: 'triggers', data }).rows.at(-1)?.functionId
 */
export function applyTriggers(state: TriggersState, event: TriggersViewEvent): TriggersState {
  if (event.type === 'triggers') return withBlock(state, event.data.height, event.data.triggers);
  return event.blocks.reduce((s, { header, triggers }) => withBlock(s, header.height, triggers), state);
}

/** The rows the view lists, latest block first: all, one block's, or those of one function id. */
export function triggerRows(state: TriggersState, { height, functionId }: { height?: number; functionId?: string } = {}): TriggerRow[] {
  return state.rows
    .filter((r) => (height === undefined || r.height === height) && (functionId === undefined || r.functionId === functionId))
    .sort((a, b) => b.height - a.height || a.index - b.index);
}
