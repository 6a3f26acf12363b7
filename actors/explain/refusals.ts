import { ownEntry } from '../../projections/index.ts';
import type { ExplainInput, Refusals } from './explanation.ts';
import { plural, refusalLine, sentence } from './words.ts';

/** Refused txs printed as sentences at most; the JSON holds all the index keeps. */
const linesMax = 10;

/** The refused txs the explain index holds for a request or job, each with its block's sentence where the caller has it. */
export function refusalsOf(input: ExplainInput, id: string): Refusals {
  const entry = ownEntry(input.readModels.explain.refused, id);
  if (entry === undefined) return { count: 0, txs: [] };
  const txs = entry.latest.map((tx) => {
    const message = input.messageOf?.(tx);
    return message === undefined ? { ...tx } : { ...tx, message };
  });
  return { count: entry.count, txs };
}

/** The refusals as sentences, the latest last. */
export function refusalSentences(refused: Refusals, what: string): string[] {
  if (refused.count === 0) return [`No tx naming this ${what} was refused.`];
  const shown = refused.txs.slice(-linesMax);
  const latest = refused.count > shown.length ? ` (the latest ${shown.length} below)` : '';
  return [
    `${plural(refused.count, 'tx', 'txs')} naming this ${what} ${refused.count === 1 ? 'was' : 'were'} refused${latest}:`,
    ...shown.map((tx) => `  ${sentence(refusalLine(tx))}`),
  ];
}
