/** A loss curve per round, as CSV, as an SVG line plot (log scale) and as that plot in PNG, for the data-parallel example. */

export interface LossSeries {
  /** The CSV column's name (letters, digits, underscores). */
  readonly column: string;
  /** The legend's. */
  readonly name: string;
  readonly color: string;
  /** The loss before round 1 and after each round. */
  readonly losses: readonly number[];
}

/** `round,<series…>` then one line per round (0: before training). */
export function lossCurveCsv(series: readonly LossSeries[]): string {
  const rounds = Math.max(...series.map((s) => s.losses.length));
  const lines = [['round', ...series.map((s) => s.column)].join(',')];
  for (let r = 0; r < rounds; r++) lines.push([r, ...series.map((s) => s.losses[r] ?? '')].join(','));
  return `${lines.join('\n')}\n`;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The curves on a log-scale y axis, rounds on x, with a legend: a standalone SVG file. */
export function lossCurveSvg(series: readonly LossSeries[], title: string): string {
  const [width, height, left, right, top, bottom] = [560, 320, 64, 16, 36, 40];
  const all = series.flatMap((s) => s.losses).filter((v) => v > 0);
  const [low, high] = [Math.floor(Math.log10(Math.min(...all))), Math.ceil(Math.log10(Math.max(...all)))];
  const rounds = Math.max(...series.map((s) => s.losses.length)) - 1;
  const x = (round: number) => left + (round / Math.max(1, rounds)) * (width - left - right);
  const y = (value: number) => top + ((high - Math.log10(value)) / Math.max(1, high - low)) * (height - top - bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (let p = low; p <= high; p++) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(10 ** p)}" y2="${y(10 ** p)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y(10 ** p) + 4}" text-anchor="end">1e${p}</text>`);
  }
  for (let r = 0; r <= rounds; r++) parts.push(`<text x="${x(r)}" y="${height - bottom + 16}" text-anchor="middle">${r}</text>`);
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 6}" text-anchor="middle">round</text>`);
  for (const [i, s] of series.entries()) {
    const points = s.losses.map((v, r) => `${x(r).toFixed(1)},${y(Math.max(v, 10 ** low)).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" ${i > 0 ? 'stroke-dasharray="6 4" ' : ''}points="${points}"/>`);
    parts.push(`<text x="${width - right - 4}" y="${top + 16 * (i + 1)}" text-anchor="end" fill="${s.color}">${escapeXml(s.name)}</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * The SVG plot as a PNG image, rendered by resvg (@resvg/resvg-js: Rust's resvg, prebuilt; loaded
 * here only, so no node start pays for it). Text uses the system's fonts (DejaVu on Debian); on a
 * machine without fonts the curves and grid are drawn and the labels left out.
 * @example await writeFile('loss.png', await lossCurvePng(lossCurveSvg(series, 'Loss')))
 */
export async function lossCurvePng(svg: string): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' } }).render().asPng();
}
