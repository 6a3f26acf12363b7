import { gpuWorkerEnvironment, type GpuRunNotes } from '../agents/index.ts';
import { descendJs } from '../gpu/index.ts';
import type { Example } from './exampleReport.ts';
import { examplePrograms } from './examplePrograms.ts';
import { startExampleJob } from './exampleJob.ts';
import { lossOf, makeDataset, normalEquations } from './leastSquares.ts';

/** The descent each worker runs: where it starts still shows in its loss, yet from any start in [-5, 5) it ends below the bound (the worst of 2,000 starts: 0.0064). */
export const lossSteps = 20;
export const lossLearningRate = 0.5;
/** The bound the README states on the best worker's held-out loss (the noise alone gives about 0.0054). */
export const lossHeldOutMax = 0.01;

/** The loss example's GPU worker program (descentProgram.ts), which gpuWorkerEnvironment bundles with gpu.js. */
export const descentProgram = 'runtime/examples/descentProgram.ts';

/**
 * Optimizing a loss function: one request, least squares on data in Big Storage; each worker runs
 * gradient descent from starting weights of its own as a gpu.js kernel program through the execution runtime; the evaluator ranks them
 * by their loss on held-out data it keeps to itself, and the reward is ranked: 3, 2, 1, the most
 * to the lowest loss.
 */
export const loss: Example = {
  name: 'loss',
  title: 'Optimizing a loss function',
  summary: `gradient descent on least squares from random starts, a gpu.js kernel per worker, ranked by held-out loss`,
  async run(network) {
    const started = performance.now();
    const train = makeDataset(1, 64);
    const heldOut = makeDataset(2, 64);
    const programs = await examplePrograms(
      'loss',
      { worker: { service: 'Worker', rpc: 'Descend' }, evaluator: { service: 'Evaluator', rpc: 'RankByLoss' } },
      { 'heldout.json': JSON.stringify(heldOut) },
    );
    // Each worker's program is the descent kernel, run through the execution runtime (a container on docker), seeded by its address.
    const gpu: GpuRunNotes = { notes: [] };
    const job = await startExampleJob(network, {
      programs,
      workers: 3,
      inputBlobs: true,
      workerEnv: (key, env) => gpuWorkerEnvironment(env, gpu, { entry: descentProgram, args: [key.address] }),
    });
    try {
      const data = await job.store(train);
      network.say(
        `the training data (${train.rows.length} rows) in Big Storage: ${data.slice(0, 24)}…; each worker runs the gpu.js descent kernel on the ${network.execution.name} runtime`,
      );
      const done = await job.request(
        { data, seed: 7, steps: lossSteps, learning_rate: lossLearningRate },
        { reward: ['1', '6'], reward_function: 'ranked', reward_weights: [3, 2, 1] },
      );
      if (gpu.notes.length > 0) network.say(`  ${gpu.notes.at(-1)}`);
      const best = done.ranking[0];
      if (done.state !== 'settled' || best === undefined) throw new Error(`the request ${done.request.slice(0, 10)}… ended ${done.state} without a ranking`);
      const heldOutLoss = (node: string) => lossOf((done.results[node] as { w: number[] }).w, heldOut);
      for (const [rank, node] of done.ranking.entries())
        network.say(
          `  ${rank + 1}. worker ${node.slice(0, 10)}…: held-out loss ${heldOutLoss(node).toPrecision(6)} (${[3, 2, 1][rank] ?? 0} of 6 shares of the pool)`,
        );
      // What the descent reaches given time: many steps from zero, in plain JavaScript.
      const { a, b } = normalEquations(train);
      const optimum = lossOf(Array.from(descendJs(a, b, new Float32Array(b.length), lossLearningRate, 2000)), heldOut);
      const bestLoss = heldOutLoss(best);
      network.say(`best held-out loss ${bestLoss.toPrecision(6)}; the least-squares optimum's ${optimum.toPrecision(6)}`);
      return {
        name: 'loss',
        rounds: 1,
        requests: 1,
        wallMs: performance.now() - started,
        quality: { figure: 'held-out loss', value: bestLoss, bound: `held-out loss < ${lossHeldOutMax}`, ok: bestLoss < lossHeldOutMax },
        figures: { bestLoss, worstLoss: heldOutLoss(done.ranking.at(-1)!), optimum, ranked: done.ranking.length },
        files: [],
      };
    } finally {
      await job.stop();
    }
  },
};
