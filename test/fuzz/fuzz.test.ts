// The short version of `npm run fuzz`: every decoder target for a couple of thousand inputs (and a
// few seconds) each. A failure prints the seed, the shrunk input and the command that replays it;
// FUZZ_SEED fixes the seed, FUZZ_SHORT_RUNS the count.
import test from 'ava';
import { runTarget } from '../../fuzz/harness.ts';
import { formatFindings, formatTable, totalFindings } from '../../fuzz/report.ts';
import { targetLoaders, targetNames } from '../../fuzz/targets.ts';

const seed = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED);
const numRuns = Number(process.env.FUZZ_SHORT_RUNS ?? 2000);

for (const name of targetNames) {
  test.serial(`fuzz ${name}: ${numRuns} inputs, no crash, uncoded error, hang or divergence (seed ${seed})`, async (t) => {
    const target = await targetLoaders[name]!();
    const report = await runTarget(target, { seed, numRuns, budgetMs: 5000, shrinkMs: 3000 });
    t.log(formatTable([report]));
    t.true(report.inputs > 0, 'no input ran');
    t.is(totalFindings([report]), 0, `seed ${seed}:\n${formatFindings(report)}`);
  });
}
