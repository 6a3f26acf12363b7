/**
 * Rows as text columns, each as wide as its widest cell, two spaces apart; the header in capitals
 * first. A few lines of padding, so no table library.
 * @example table(['id', 'state'], [['9c41…', 'settled']]) // 'ID     STATE\n9c41…  settled'
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header.map((h) => h.toUpperCase()), ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** A block time (ms since the epoch) as an ISO 8601 UTC instant. */
export const timeText = (ms: number): string => new Date(ms).toISOString();

/** An id cut to its first 12 hex characters, for a column (commands take the whole id). */
export const shortId = (id: string): string => `${id.slice(0, 12)}…`;
