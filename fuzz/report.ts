// How a fuzz run reads: a table of counts per target, then each distinct finding with its first
// input, the shrunk one, and the command that replays it.
import { findingKinds, type TargetReport } from './harness.ts';

const findingsOf = (report: TargetReport) => findingKinds.reduce((sum, kind) => sum + report.counts[kind], 0);

export function totalFindings(reports: readonly TargetReport[]): number {
  return reports.reduce((sum, r) => sum + findingsOf(r), 0);
}

/** The table: inputs and findings by kind, time and seed, one line per target. */
export function formatTable(reports: readonly TargetReport[]): string {
  const rows = [['target', 'inputs', 'crash', 'uncoded', 'hang', 'diverge', 'time', 'seed']];
  for (const r of reports) {
    rows.push([
      r.target,
      r.inputs.toLocaleString('en-US'),
      ...findingKinds.map((k) => String(r.counts[k])),
      `${(r.elapsedMs / 1000).toFixed(1)} s`,
      String(r.seed),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

/** Every distinct finding of a target, with how to replay it. */
export function formatFindings(report: TargetReport): string {
  const lines: string[] = [];
  for (const e of report.examples) {
    const count = report.counts[e.kind];
    lines.push(`[${report.target}] ${e.kind} (${count} in all of this kind) — ${e.message}`);
    if (e.index < 0) {
      lines.push(`    ${e.input}`);
      continue;
    }
    lines.push(`    input #${e.index}: ${e.input}`);
    if (e.shrunk !== undefined) lines.push(`    shrunk:    ${e.shrunk}`);
    lines.push(`    replay:    npm run fuzz -- --seed ${report.seed} --only ${report.target} --path ${e.path ?? e.index}`);
  }
  return lines.join('\n');
}

/** Targets that ran out of time before their count of inputs: they show less than asked for. */
export function formatShortfalls(reports: readonly TargetReport[], numRuns: number): string {
  return reports
    .filter((r) => r.inputs < numRuns)
    .map(
      (r) =>
        `note: ${r.target} ran ${r.inputs.toLocaleString('en-US')} of ${numRuns.toLocaleString('en-US')} inputs${r.interrupted ? ' before its time budget ran out' : ''}`,
    )
    .join('\n');
}
