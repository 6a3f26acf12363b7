import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataParallel, dataParallelLossMax, dataParallelRounds, startExampleNode } from '../../runtime/examples/index.ts';

// Data parallelism on a one-node network of its own, as `ain example run dataparallel` runs it:
// shards in Big Storage fetched by the workers' agents, the client averaging the shards' weights
// round by round; the loss falls every round, ends within the README's bound, near the same
// training on one worker, and the curve is written as CSV, SVG and PNG.

test('dataparallel: the averaged loss falls every round below 0.05, near one worker on all the data; the curve is written', async (t) => {
  t.timeout(120_000);
  const outDir = await mkdtemp(join(tmpdir(), 'ain-dataparallel-'));
  t.teardown(() => rm(outDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const network = await startExampleNode((line) => lines.push(line));
  try {
    const report = await dataParallel.run(network, { outDir });
    t.true(report.quality.ok, lines.join('\n'));
    t.is(report.rounds, dataParallelRounds);
    t.is(report.requests, 4 * dataParallelRounds);
    t.true(report.figures['finalLoss']! < dataParallelLossMax);
    // Three shards of equal size, two local steps: averaging is close to full-batch descent.
    const single = report.figures['singleWorkerFinalLoss']!;
    t.true(Math.abs(report.figures['finalLoss']! - single) < 0.5 * single, JSON.stringify(report.figures));
    const csv = (await readFile(join(outDir, 'dataparallel-loss.csv'), 'utf8')).trim().split('\n');
    t.is(csv[0], 'round,data_parallel,one_worker');
    t.is(csv.length, dataParallelRounds + 2);
    const losses = csv.slice(1).map((line) => Number(line.split(',')[1]));
    for (let r = 1; r < losses.length; r++) t.true(losses[r]! < losses[r - 1]!, `round ${r}: ${losses.join(', ')}`);
    t.regex(await readFile(join(outDir, 'dataparallel-loss.svg'), 'utf8'), /^<svg [^>]*>[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    // The same plot as a PNG (its pixels are checked in lossCurve.test.ts): the signature and its size.
    const png = await readFile(join(outDir, 'dataparallel-loss.png'));
    t.is(png.toString('latin1', 1, 4), 'PNG');
    t.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [560, 320]);
    // Every worker fetched its shard from Big Storage: on every shard all that submitted in time agree.
    t.is(
      lines.filter((line) => /round \d: workers agreeing per shard ([1-3])\/\1, ([1-3])\/\2, ([1-3])\/\3;/.test(line)).length,
      dataParallelRounds,
      lines.join('\n'),
    );
  } finally {
    await network.stop();
  }
});
