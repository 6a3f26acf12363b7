import test from 'ava';
import { nim, nimRounds, nimWinRateMin, startExampleNode } from '../../runtime/examples/index.ts';

// Reinforcement training on a one-node network of its own, as `ain example run nim` runs it: two
// rounds of self-play training ranked by tournament, the first round's self-play data in Big
// Storage for the second; the trained policy beats random play in at least 90% of 1,000 games.

test('nim: policies trained by self-play and ranked by tournament beat random play in at least 90% of games', async (t) => {
  t.timeout(120_000);
  const lines: string[] = [];
  const network = await startExampleNode((line) => lines.push(line));
  try {
    const report = await nim.run(network, {});
    t.true(report.quality.ok, lines.join('\n'));
    t.is(report.rounds, nimRounds);
    t.true(report.figures['winRate']! >= nimWinRateMin, JSON.stringify(report.figures));
    // The self-play data went to Big Storage, and the next round's workers read it (their agents fetch what the request names).
    t.true(
      lines.some((line) => /self-play games of the best policy in Big Storage for round 2: blob:\/\/sha256:/.test(line)),
      lines.join('\n'),
    );
    t.is(lines.filter((line) => /round \d: [1-3] polic(y|ies) ranked by tournament/.test(line)).length, nimRounds, lines.join('\n'));
  } finally {
    await network.stop();
  }
});
