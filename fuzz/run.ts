// `npm run fuzz [-- flags]`: drives generated inputs through every decoder at ain's boundary,
// one target after another, each in a child process whose watchdog thread stops a stuck input. Prints a table of
// counts per target and every distinct finding with its seed, shrunk input and replay command;
// exits 1 on any finding. See docs/fuzz.md.
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import type { Example, FindingKind, TargetReport } from './harness.ts';
import { clip } from './harness.ts';
import { formatFindings, formatShortfalls, formatTable, totalFindings } from './report.ts';
import { targetLoaders, targetNames } from './targets.ts';
import { childFlag, phases, stuckMarker, type ChildInput } from './child.ts';

const usage = `npm run fuzz -- [--seed N] [--only a,b] [--runs N] [--budget-s S] [--total-s S]
                     [--input-ms MS] [--shrink-s S] [--hang-s S] [--path P]
  --seed N       fast-check seed for every target (default: random, printed)      FUZZ_SEED
  --only a,b     targets to run (default all: ${targetNames.join(', ')})   FUZZ_ONLY
  --runs N       inputs per target (default 100000)                                FUZZ_RUNS
  --budget-s S   time for one target's inputs (default 200)                        FUZZ_BUDGET_S
  --total-s S    time for the whole run; later targets get what is left (900)      FUZZ_TOTAL_S
  --input-ms MS  longest one input may take before it is a hang (default: the target's) FUZZ_INPUT_MS
  --shrink-s S   time to shrink a target's findings (default 20)                   FUZZ_SHRINK_S
  --hang-s S     the watchdog stops an input running this long (default 60)        FUZZ_HANG_S
  --path P       replay one input (with --seed and --only; a report prints both)`;

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    only: { type: 'string' },
    runs: { type: 'string' },
    'budget-s': { type: 'string' },
    'total-s': { type: 'string' },
    'input-ms': { type: 'string' },
    'shrink-s': { type: 'string' },
    'hang-s': { type: 'string' },
    path: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help === true) {
  console.log(usage);
  process.exit(0);
}

function number(flag: string, env: string, fallback: number): number {
  const text = (values as Record<string, string | undefined>)[flag] ?? process.env[env];
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) {
    console.error(`--${flag} (${env}) must be a whole number, got "${text}".\n${usage}`);
    process.exit(2);
  }
  return Number(text);
}

const seed = number('seed', 'FUZZ_SEED', Math.floor(Math.random() * 2 ** 31));
const numRuns = number('runs', 'FUZZ_RUNS', 100_000);
const budgetMs = number('budget-s', 'FUZZ_BUDGET_S', 200) * 1000;
const totalMs = number('total-s', 'FUZZ_TOTAL_S', 900) * 1000;
const inputMs = (values['input-ms'] ?? process.env.FUZZ_INPUT_MS) === undefined ? undefined : number('input-ms', 'FUZZ_INPUT_MS', 0);
const shrinkMs = number('shrink-s', 'FUZZ_SHRINK_S', 20) * 1000;
const hangMs = number('hang-s', 'FUZZ_HANG_S', 60) * 1000;
const only = (values.only ?? process.env.FUZZ_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '');
const unknown = only.filter((name) => !targetNames.includes(name));
if (unknown.length > 0) {
  console.error(`No target ${unknown.join(', ')}; the targets are ${targetNames.join(', ')}.`);
  process.exit(2);
}
const names = only.length > 0 ? only : targetNames;
const path = values.path;
// Setup (a node starting) and finish (an audit) are not one input: the watchdog gives them longer.
const phaseMs = Math.max(hangMs, 300_000);

/** The input at an index of a run, made again from the seed: what the watchdog reports. */
async function inputAt(name: string, index: number): Promise<string> {
  if (path !== undefined) return `the input at path ${path}`;
  const target = await targetLoaders[name]!();
  const [input] = fc.sample(target.arbitrary, { seed, numRuns: index + 1 }).slice(index);
  return clip(target.describe?.(input as never) ?? fc.stringify(input));
}

function failedReport(name: string, kind: FindingKind, message: string, index: number, input: string, elapsedMs: number): TargetReport {
  const counts: Record<FindingKind, number> = { crash: 0, uncoded: 0, hang: 0, divergence: 0 };
  counts[kind] = 1;
  return {
    target: name,
    seed,
    inputs: Math.max(0, index + 1),
    counts,
    examples: [{ kind, signature: kind, message, index, input } satisfies Example],
    elapsedMs,
    interrupted: false,
  };
}

/** Runs one target in a child process; its watchdog kills it when one input (or setup, or finish) runs too long. */
function runInChild(name: string, targetBudgetMs: number): Promise<TargetReport> {
  const started = performance.now();
  const input: ChildInput = {
    name,
    options: { seed, numRuns: path === undefined ? numRuns : 1, budgetMs: targetBudgetMs, inputMs, shrinkMs, path },
    hangMs,
    phaseMs,
  };
  const child = fork(new URL('./child.ts', import.meta.url), [], {
    execArgv: ['--import=tsx'],
    env: { ...process.env, [childFlag]: '1' },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let report: TargetReport | undefined;
  let stuck: { index: number; phase: number; ms: number } | undefined;
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    for (const line of text.split('\n')) {
      if (line.startsWith(stuckMarker)) stuck = JSON.parse(line.slice(stuckMarker.length)) as typeof stuck;
      else if (line !== '') stderr = `${stderr}${line}\n`.slice(-2000);
    }
  });
  child.on('message', (message: TargetReport) => (report = message));
  child.send(input);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      const elapsedMs = performance.now() - started;
      if (report !== undefined) return resolve(report);
      if (stuck !== undefined) {
        const phase = phases[stuck.phase]!;
        const during = phase === 'inputs' ? `input #${stuck.index}` : phase === 'shrink' ? 'shrinking' : `its ${phase}`;
        const message = `the watchdog stopped the target: ${during} ran for more than ${Math.round(stuck.ms / 1000)} s`;
        const at = phase === 'inputs' ? stuck.index : -1;
        void (at >= 0 ? inputAt(name, at) : Promise.resolve(`(${phase})`)).then((shown) => resolve(failedReport(name, 'hang', message, at, shown, elapsedMs)));
        return;
      }
      resolve(
        failedReport(
          name,
          'crash',
          `the target's process ended (${signal ?? `exit code ${code}`}) without a report: ${stderr.trim().slice(-600)}`,
          -1,
          '(the target process)',
          elapsedMs,
        ),
      );
    });
  });
}

const runStarted = performance.now();
console.log(
  `ain fuzz: seed ${seed}; ${names.join(', ')}; up to ${numRuns.toLocaleString('en-US')} inputs and ${budgetMs / 1000} s each, ${totalMs / 1000} s in all`,
);
const reports: TargetReport[] = [];
for (const [i, name] of names.entries()) {
  const leftMs = totalMs - (performance.now() - runStarted);
  // Each target gets an even share of what is left, less what shrinking may take.
  const targetBudgetMs = Math.max(1000, Math.min(budgetMs, leftMs / (names.length - i) - shrinkMs));
  const target = await targetLoaders[name]!();
  console.log(`▶ ${name}: ${target.about} (up to ${Math.round(targetBudgetMs / 1000)} s)`);
  const report = await runInChild(name, targetBudgetMs);
  reports.push(report);
  console.log(
    `  ${report.inputs.toLocaleString('en-US')} inputs in ${(report.elapsedMs / 1000).toFixed(1)} s; findings: ${Object.entries(report.counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
}

console.log(`\n${formatTable(reports)}`);
const shortfalls = formatShortfalls(reports, path === undefined ? numRuns : 1);
if (shortfalls !== '') console.log(shortfalls);
const found = totalFindings(reports);
if (found > 0) {
  console.log(`\nFindings (seed ${seed}):`);
  for (const report of reports) if (report.examples.length > 0) console.log(formatFindings(report));
}
console.log(`\n${found === 0 ? 'no findings' : `${found} finding(s)`}; seed ${seed}; ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);
process.exit(found === 0 ? 0 : 1);
