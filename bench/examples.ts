import { examples, startExampleNode } from '../runtime/examples/index.ts';
import { withTempDir, type Figure } from './measure.ts';
import { waitForQuiet } from './quiet.ts';

/**
 * Each example of `ain example run` on a one-node network of its own (100 ms blocks, programs as
 * processes): its wall time from the job's registration to its last figure, its rounds and
 * requests, and its quality figure; the data-parallel example's final loss beside the same
 * training on one worker.
 */
export async function benchExamples(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const example of examples) {
    await waitForQuiet();
    await withTempDir(`example-${example.name}`, async (outDir) => {
      const network = await startExampleNode(() => undefined);
      try {
        const report = await example.run(network, { outDir });
        if (!report.quality.ok) throw new Error(`example ${example.name}: ${report.quality.figure} ${report.quality.value} is outside ${report.quality.bound}`);
        const prefix = `examples.${example.name}`;
        const note = `${report.rounds} rounds, ${report.requests} requests; ${report.quality.bound}`;
        figures.push(
          { name: `${prefix}.ms`, value: report.wallMs, unit: 'ms', note },
          { name: `${prefix}.rounds`, value: report.rounds, unit: 'rounds' },
          { name: `${prefix}.${report.quality.figure.replace(/[^a-z]+/gi, '_')}`, value: report.quality.value, unit: '' },
        );
        if (example.name === 'dataparallel')
          figures.push({
            name: `${prefix}.oneWorker.loss`,
            value: report.figures['singleWorkerFinalLoss']!,
            unit: '',
            note: 'the same training on one worker, same data and rounds',
          });
      } finally {
        await network.stop();
      }
    });
  }
  return figures;
}
