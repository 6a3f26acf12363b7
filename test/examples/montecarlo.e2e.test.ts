import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditDataDir } from '../../runtime/audit/index.ts';
import { monteCarlo, monteCarloErrorMax, startExampleNode } from '../../runtime/examples/index.ts';

// Distributed computing on a one-node network of its own, as `ain example run montecarlo` runs it:
// one estimate of pi split into four requests, each batch's workers agreeing (same seed, same
// points), the merged estimate within the README's bound; an audit of the node's log after it passes.

test('montecarlo: four requests merged estimate pi within 0.01', async (t) => {
  t.timeout(120_000);
  const lines: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'ain-montecarlo-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const network = await startExampleNode((line) => lines.push(line), { keepDir: dir });
  try {
    const report = await monteCarlo.run(network, {});
    t.is(report.requests, 4);
    t.is(report.figures['samples'], 1_000_000);
    t.true(report.quality.ok, lines.join('\n'));
    t.true(Math.abs(report.figures['estimate']! - Math.PI) < monteCarloErrorMax, `estimate ${report.figures['estimate']}`);
    // Every batch's workers drew the same points: all that submitted in time agree, none is dropped.
    t.is(lines.filter((line) => / ([1-3]) of \1 workers agree/.test(line)).length, 4, lines.join('\n'));
  } finally {
    await network.stop();
  }
  const report = await auditDataDir({ dataDir: join(dir, 'node'), threads: 1 });
  t.true(report.ok, JSON.stringify(report.mismatches));
});
