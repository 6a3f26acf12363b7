import type { Example } from './exampleReport.ts';
import { examplePrograms } from './examplePrograms.ts';
import { startExampleJob } from './exampleJob.ts';

/** The batches one estimate is split into, and the points of each. */
export const monteCarloBatches = 4;
export const monteCarloSamplesPerBatch = 250_000;
/** The bound the README states on |estimate − π| (over 6 standard errors at 1,000,000 points). */
export const monteCarloErrorMax = 0.01;

/**
 * Distributed computing: one Monte Carlo estimate of π split into batches, one request each, all
 * at once; each batch's points come from its seed, so its workers must agree, and the evaluator
 * ranks the majority; the client merges the best-ranked count of every batch.
 */
export const monteCarlo: Example = {
  name: 'montecarlo',
  title: 'Distributed computing',
  summary: `a Monte Carlo estimate of pi split into ${monteCarloBatches} requests of ${monteCarloSamplesPerBatch} points, merged`,
  async run(network) {
    const started = performance.now();
    const programs = await examplePrograms('montecarlo', {
      worker: { service: 'Worker', rpc: 'CountInside' },
      evaluator: { service: 'Evaluator', rpc: 'Agree' },
    });
    const job = await startExampleJob(network, { programs, workers: 3 });
    try {
      const batches = Array.from({ length: monteCarloBatches }, (_, i) => ({ seed: i + 1, samples: monteCarloSamplesPerBatch }));
      network.say(
        `${batches.length} requests, one per batch of ${monteCarloSamplesPerBatch} points (seeds 1…${batches.length}), to ${job.workers.length} workers each`,
      );
      const done = await Promise.all(batches.map((batch) => job.request(batch)));
      let inside = 0;
      let samples = 0;
      for (const [i, request] of done.entries()) {
        const best = request.ranking[0];
        const count = best === undefined ? undefined : (request.results[best] as { inside: number; samples: number });
        if (request.state !== 'settled' || count === undefined)
          throw new Error(`batch ${i + 1}'s request ${request.request.slice(0, 10)}… ended ${request.state} without a ranked count`);
        network.say(
          `  batch ${i + 1}: ${request.ranking.length} of ${Object.keys(request.results).length} workers agree, ${count.inside} of ${count.samples} inside`,
        );
        inside += count.inside;
        samples += count.samples;
      }
      const estimate = (4 * inside) / samples;
      const error = Math.abs(estimate - Math.PI);
      const p = inside / samples;
      const standardError = 4 * Math.sqrt((p * (1 - p)) / samples);
      network.say(`pi ≈ ${estimate.toFixed(6)} from ${samples} points: error ${error.toFixed(6)} (standard error ${standardError.toFixed(6)})`);
      return {
        name: 'montecarlo',
        rounds: 1,
        requests: done.length,
        wallMs: performance.now() - started,
        quality: { figure: 'error', value: error, bound: `error < ${monteCarloErrorMax}`, ok: error < monteCarloErrorMax },
        figures: { estimate, error, standardError, samples },
        files: [],
      };
    } finally {
      await job.stop();
    }
  },
};
