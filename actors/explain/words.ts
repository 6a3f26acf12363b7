import type { RefusedView } from './explanation.ts';

// How explanations write ids, times and counts. Block times are ms since the epoch; "now" is always
// the latest block's time, so the same chain gives the same sentences on every node.

export const shortId = (id: string): string => `${id.slice(0, 16)}…`;

/** A block time as UTC ISO text. */
export const clock = (ms: number): string => new Date(ms).toISOString();

/** A span of block time in words: `450 ms`, `12 s`, `5 min`, `3 h`, `2 d`. */
export function span(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${abs} ms`;
  if (abs < 120_000) return `${Math.round(abs / 1000)} s`;
  if (abs < 120 * 60_000) return `${Math.round(abs / 60_000)} min`;
  if (abs < 48 * 3_600_000) return `${Math.round(abs / 3_600_000)} h`;
  return `${Math.round(abs / 86_400_000)} d`;
}

/** `at` seen from `now`: `2025-… (in 12 s)` or `2025-… (12 s ago)`. */
export function when(at: number, now: number): string {
  if (at === now) return `${clock(at)} (the latest block's time)`;
  return at > now ? `${clock(at)} (in ${span(at - now)})` : `${clock(at)} (${span(now - at)} ago)`;
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** `a`, `a and b`, `a, b and c`. */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** One refused tx as a line: what, by whom, where, and the code with its block's sentence. */
export function refusalLine(tx: RefusedView): string {
  const what = tx.role === undefined ? tx.op : `${tx.op} as ${tx.role}`;
  return `${what} by ${tx.from} in block ${tx.height} (tx ${shortId(tx.hash)}) was refused ${tx.code}${tx.message === undefined ? '' : `: ${tx.message}`}`;
}

/** Text ending with one full stop. */
export const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);
