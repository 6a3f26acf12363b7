// `npm run bench [-- group…]`: runs the benchmarks one after another (never two at once: the
// machine's cores are the thing measured), prints a table and merges the figures into
// bench/results.json. Groups: verify.raw, verify.tx, log, ingest, state, jobs, explain, node, restart, sse, ui, sample, settled, examples, kafka, storage, gpu, exec, net, shard, deploy.
// AIN_VERIFIER=node:crypto runs everything on node:crypto alone; the ingest and node groups also
// measure that variant themselves, back to back with the default.
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { benchGpu } from './gpu.ts';
import { benchDeploy } from './deploy.ts';
import { benchExamples } from './examples.ts';
import { benchExec } from './exec.ts';
import { benchExplain } from './explain.ts';
import { benchKafka } from './kafka.ts';
import { benchIngestHttp } from './ingestHttp.ts';
import { benchJobs } from './jobs.ts';
import { benchLogAppend } from './logAppend.ts';
import { benchNet } from './net.ts';
import { benchNode } from './node.ts';
import { benchRestart } from './restart.ts';
import { benchJobsSettled } from './jobsSettled.ts';
import { benchSample } from './sample.ts';
import { benchShard } from './shard.ts';
import { benchSse } from './sse.ts';
import { benchUi } from './ui.ts';
import { benchState } from './state.ts';
import { benchStorage } from './storage.ts';
import { roundFigure, type Figure } from './measure.ts';
import { isBusy, waitForQuiet } from './quiet.ts';
import { benchVerifyRaw } from './verifyRaw.ts';
import { benchVerifyTx } from './verifyTx.ts';

type Results = Record<string, { value: number; unit: string }>;

const resultsUrl = new URL('./results.json', import.meta.url);

const benches: { readonly group: string; readonly run: () => Promise<Figure[]> }[] = [
  { group: 'verify.raw', run: benchVerifyRaw },
  { group: 'verify.tx', run: benchVerifyTx },
  { group: 'log', run: benchLogAppend },
  { group: 'ingest', run: benchIngestHttp },
  { group: 'state', run: benchState },
  { group: 'jobs', run: benchJobs },
  { group: 'explain', run: benchExplain },
  { group: 'node', run: benchNode },
  { group: 'restart', run: benchRestart },
  { group: 'sse', run: benchSse },
  { group: 'ui', run: benchUi },
  { group: 'sample', run: benchSample },
  { group: 'settled', run: benchJobsSettled },
  { group: 'examples', run: benchExamples },
  { group: 'kafka', run: benchKafka },
  { group: 'storage', run: benchStorage },
  { group: 'gpu', run: benchGpu },
  { group: 'exec', run: benchExec },
  { group: 'net', run: benchNet },
  { group: 'shard', run: benchShard },
  { group: 'deploy', run: benchDeploy },
];

/**
 * Figures that are the ratio `of / to` of two others, when a group did not measure it itself:
 * only from figures of this run, never one of this run against an older one from results.json.
 */
const ratios: { readonly name: string; readonly of: string; readonly to: string }[] = [
  { name: 'verify.tx.ratio', of: 'verify.tx.1core', to: 'verify.raw.1core' },
  { name: 'verify.raw.speedup', of: 'verify.raw.allcores', to: 'verify.raw.openssl.allcores' },
  { name: 'ingest.http.batched.ratio', of: 'ingest.http.batched', to: 'verify.raw.allcores' },
];

/** Lowest acceptable value of a figure. */
const targets: Record<string, number> = {
  'verify.tx.ratio': 0.8,
  'log.file.append.group': 200_000,
  'ingest.http.batched.ratio': 0.6,
  'state.set.1e3': 200_000,
  'state.set.1e5': 200_000,
  'state.set.1e6': 200_000,
  'jobs.fold': 20_000,
  'node.sustained.ratio': 0.6,
  'audit.replay.ratio': 0.8,
  'node.sustained.speedup': 1.6,
  'audit.replay.speedup': 1.6,
  'ingest.http.batched.speedup': 1.6,
  'restart.speedup': 20,
  'kafka.log.append.ratio': 0.8,
  'kafka.node.sustained.ratio': 0.5,
  'net.4.sustained.ratio': 0.5,
  'deploy.net.4.ratio': 0.9,
};

/** Highest acceptable value of a figure. */
const ceilings: Record<string, number> = {
  'state.set.ratio': 2,
  'node.final.p99': 2050,
  'exec.process.ratio': 1.2,
  'exec.docker.ratio': 1.2,
  'sse.p99.1000': 100,
  'ui.update.ms': 250,
  'ui.js.wire': 150_000,
  'sample.afterLimit.blocks': 6,
  'net.4.final.p99': 3000,
  'net.4.recovery': 3000,
  'shard.report.lag.intervals': 2,
  'shard.kafka.report.lag.intervals': 2,
};

async function readResults(): Promise<Results> {
  try {
    return JSON.parse(await readFile(resultsUrl, 'utf8')) as Results;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

function printTable(figures: readonly Figure[]): void {
  const rows = figures.map((f) => {
    const target = targets[f.name];
    const ceiling = ceilings[f.name];
    const verdict =
      target !== undefined
        ? `≥ ${target.toLocaleString('en-US')} ${f.value >= target ? 'ok' : 'MISSED'}`
        : ceiling !== undefined
          ? `≤ ${ceiling.toLocaleString('en-US')} ${f.value <= ceiling ? 'ok' : 'MISSED'}`
          : '';
    return [f.name, roundFigure(f.value, f.unit).toLocaleString('en-US'), f.unit, verdict];
  });
  const header = ['name', 'value', 'unit', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log('\n' + line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const f of figures) {
    const samples = f.samples === undefined ? '' : ` runs: ${f.samples.map((s) => roundFigure(s, f.unit).toLocaleString('en-US')).join(', ')}`;
    if (f.note !== undefined || samples !== '') console.log(`  ${f.name}: ${f.note ?? ''}${samples === '' ? '' : (f.note === undefined ? '' : ';') + samples}`);
  }
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const chosen = benches.filter((b) => wanted.length === 0 || wanted.some((w) => b.group.startsWith(w) || w.startsWith(b.group)));
  if (chosen.length === 0) throw new Error(`no benchmark group matches ${wanted.join(', ')}; groups: ${benches.map((b) => b.group).join(', ')}`);
  console.log(`ain bench: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}`);

  const previous = await readResults();
  const figures: Figure[] = [];
  for (const bench of chosen) {
    const busy = await waitForQuiet();
    const startMs = performance.now();
    process.stdout.write(`  ${bench.group} … `);
    figures.push(
      ...(await bench.run().catch((error: unknown) => {
        console.log('failed');
        throw error;
      })),
    );
    const warning = isBusy(busy) ? ` (warning: other processes kept the CPUs ${Math.round(busy * 100)}% busy at the start; figures may be low)` : '';
    console.log(`${((performance.now() - startMs) / 1000).toFixed(1)} s${warning}`);
  }
  for (const { name, of, to } of ratios) {
    const fresh = (n: string) => figures.find((f) => f.name === n);
    if (fresh(name) !== undefined) continue; // the group measured it itself, in pairs
    const numerator = fresh(of)?.value;
    const denominator = fresh(to)?.value;
    if (numerator === undefined || denominator === undefined || denominator === 0) continue;
    figures.push({ name, value: numerator / denominator, unit: 'x', note: `${of} / ${to}, this run` });
  }

  printTable(figures);
  const results: Results = { ...previous };
  for (const f of figures) results[f.name] = { value: roundFigure(f.value, f.unit), unit: f.unit };
  await writeFile(resultsUrl, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote ${figures.length} figures to bench/results.json`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
