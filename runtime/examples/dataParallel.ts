import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Example } from './exampleReport.ts';
import { examplePrograms } from './examplePrograms.ts';
import { startExampleJob, type ExampleRequest } from './exampleJob.ts';
import { lossOf, makeDataset, type Dataset } from './leastSquares.ts';
import { lossCurveCsv, lossCurvePng, lossCurveSvg } from './lossCurve.ts';

export const dataParallelShards = 3;
export const dataParallelRounds = 4;
/** Local steps of one worker's training in a round, and their learning rate. */
export const dataParallelSteps = 2;
export const dataParallelLearningRate = 0.5;
/** The bound the README states on the loss after the last round, over all the data (the noise alone gives about 0.005). */
export const dataParallelLossMax = 0.05;

/** The weights the request's best-ranked worker returned. */
function weightsOf(done: ExampleRequest, what: string): number[] {
  const best = done.ranking[0];
  if (done.state !== 'settled' || best === undefined)
    throw new Error(`${what}: the request ${done.request.slice(0, 10)}… ended ${done.state} without a ranking`);
  return (done.results[best] as { w: number[] }).w;
}

/**
 * Data parallelism with the client as the parameter server: the data in shards in Big Storage;
 * each round one request per shard to every worker, with the current weights; the evaluator ranks
 * the workers that agree; the client averages the shards' weights (the shards are the same size)
 * and sends them out in the next round. Beside it, each round, the same training on the whole
 * data by one worker (`worker_node`), for comparison.
 */
export const dataParallel: Example = {
  name: 'dataparallel',
  title: 'Data parallelism',
  summary: `least squares in ${dataParallelShards} shards in Big Storage, the client averaging the workers' weights for ${dataParallelRounds} rounds, against one worker on all the data`,
  async run(network, { outDir = '.' }) {
    const started = performance.now();
    const data = makeDataset(3, 32 * dataParallelShards);
    const shards: Dataset[] = Array.from({ length: dataParallelShards }, (_, s) => ({ rows: data.rows.filter((_, i) => i % dataParallelShards === s) }));
    const programs = await examplePrograms('dataparallel', { worker: { service: 'Worker', rpc: 'Train' }, evaluator: { service: 'Evaluator', rpc: 'Agree' } });
    const job = await startExampleJob(network, { programs, workers: 3, inputBlobs: true, fundsAin: 1000 });
    try {
      const shardRefs = await Promise.all(shards.map((shard) => job.store(shard)));
      const wholeRef = await job.store(data);
      network.say(`${data.rows.length} rows in ${shards.length} shards of ${shards[0]!.rows.length} in Big Storage, readable by the job's nodes`);
      const one = job.workers[0]!.address;
      const task = (shard: string, weights: number[]) => ({ shard, weights, steps: dataParallelSteps, learning_rate: dataParallelLearningRate });
      let averaged = [0, 0, 0, 0];
      let single = [0, 0, 0, 0];
      const parallelLosses = [lossOf(averaged, data)];
      const singleLosses = [lossOf(single, data)];
      let requests = 0;
      for (let round = 1; round <= dataParallelRounds; round++) {
        // Every shard's request and the one worker's, at once.
        const [wholeDone, ...shardDone] = await Promise.all([
          job.request(task(wholeRef, single), { worker_node: [one] }),
          ...shardRefs.map((ref) => job.request(task(ref, averaged))),
        ]);
        requests += 1 + shardDone.length;
        const shardWeights = shardDone.map((done, s) => weightsOf(done, `round ${round}, shard ${s + 1}`));
        averaged = averaged.map((_, i) => shardWeights.reduce((sum, w) => sum + w[i]!, 0) / shardWeights.length);
        single = weightsOf(wholeDone, `round ${round}, one worker`);
        parallelLosses.push(lossOf(averaged, data));
        singleLosses.push(lossOf(single, data));
        const agreeing = shardDone.map((done) => `${done.ranking.length}/${Object.keys(done.results).length}`).join(', ');
        network.say(
          `  round ${round}: workers agreeing per shard ${agreeing}; loss ${parallelLosses.at(-1)!.toPrecision(4)} averaged over shards, ${singleLosses.at(-1)!.toPrecision(4)} on one worker`,
        );
      }
      const series = [
        { column: 'data_parallel', name: `${shards.length} shards × 3 workers, averaged`, color: '#1f6feb', losses: parallelLosses },
        { column: 'one_worker', name: 'one worker, all the data', color: '#d1242f', losses: singleLosses },
      ];
      const csv = join(outDir, 'dataparallel-loss.csv');
      const svg = join(outDir, 'dataparallel-loss.svg');
      const png = join(outDir, 'dataparallel-loss.png');
      const plot = lossCurveSvg(series, 'Loss over all the data, round by round');
      await writeFile(csv, lossCurveCsv(series));
      await writeFile(svg, plot);
      await writeFile(png, await lossCurvePng(plot));
      const final = parallelLosses.at(-1)!;
      const falls = parallelLosses.every((v, i) => i === 0 || v < parallelLosses[i - 1]!);
      return {
        name: 'dataparallel',
        rounds: dataParallelRounds,
        requests,
        wallMs: performance.now() - started,
        quality: {
          figure: 'final loss',
          value: final,
          bound: `final loss < ${dataParallelLossMax}, falling every round`,
          ok: falls && final < dataParallelLossMax,
        },
        figures: { initialLoss: parallelLosses[0]!, finalLoss: final, singleWorkerFinalLoss: singleLosses.at(-1)!, falls: falls ? 1 : 0 },
        files: [csv, svg, png],
      };
    } finally {
      await job.stop();
    }
  },
};
