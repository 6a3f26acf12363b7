import test from 'ava';
import { loss, lossHeldOutMax, startExampleNode } from '../../runtime/examples/index.ts';

// Optimizing a loss function on a one-node network of its own, as `ain example run loss` runs it:
// three workers descend from starts of their own with the gpu.js kernel, a program of its own run
// by the execution runtime (CPU/WASM here), the evaluator ranks by held-out loss, and the best is
// within the README's bound.

test('loss: workers descend with the gpu.js kernel, the lowest held-out loss ranks first and is below 0.01', async (t) => {
  t.timeout(120_000);
  const lines: string[] = [];
  const network = await startExampleNode((line) => lines.push(line));
  try {
    const report = await loss.run(network, {});
    t.true(report.quality.ok, lines.join('\n'));
    t.true(report.figures['bestLoss']! < lossHeldOutMax);
    t.true(report.figures['ranked']! >= 1 && report.figures['ranked']! <= 3, 'the workers that submitted in time, ranked');
    // Ranked lowest loss first: the best is no worse than the last, and no better than the optimum allows.
    t.true(report.figures['bestLoss']! <= report.figures['worstLoss']!);
    t.true(report.figures['bestLoss']! > report.figures['optimum']! * 0.9, JSON.stringify(report.figures));
    t.true(
      lines.some((line) => /each worker runs the gpu\.js descent kernel on the process runtime/.test(line)) &&
        lines.some((line) => /gpu\.js ran the kernel (in its (wasm|cpu) mode on the CPU: no GPU where it ran|on the GPU)/.test(line)),
      lines.join('\n'),
    );
  } finally {
    await network.stop();
  }
});
