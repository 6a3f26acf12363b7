import test from 'ava';
import { callNode, putSmallBlob } from '../../../runtime/client/index.ts';
import { examplePrograms, startExampleJob, startExampleNode } from '../../../runtime/examples/index.ts';

// A worker's agent fetches the blobs a request names with the worker's key: a blob the workers
// may read reaches the program as a file (the data-parallel example's e2e shows that); one they
// may not read is each worker's failure, submitted with the node's refusal, and the request is refunded.

test('a request naming a blob its workers may not read: each submits the failure RUN_FAILED naming ACCESS_DENIED; the client is refunded', async (t) => {
  t.timeout(120_000);
  const network = await startExampleNode(() => undefined);
  try {
    const programs = await examplePrograms('dataparallel', { worker: { service: 'Worker', rpc: 'Train' }, evaluator: { service: 'Evaluator', rpc: 'Agree' } });
    const job = await startExampleJob(network, { programs, workers: 2, inputBlobs: true });
    try {
      const shard = { rows: [{ x: [1, 0, 0, 0], y: 1 }] };
      // Stored for its owner alone: no reader besides the storage key.
      const ref = await putSmallBlob({ nodeUrl: network.nodeUrl, key: network.storageKey, bytes: Buffer.from(JSON.stringify(shard)), readers: [] });
      const done = await job.request({ shard: ref, weights: [0, 0, 0, 0], steps: 1, learning_rate: 0.5 });
      t.is(done.state, 'refunded');
      const view = await callNode<{ workers: Record<string, { failure?: { code: string; message: string } }> }>(
        network.nodeUrl,
        'GET',
        `/v1/jobs/${done.request}`,
      );
      for (const worker of job.workers) {
        t.like(view.workers[worker.address], { failure: { code: 'RUN_FAILED' } }, JSON.stringify(view.workers));
        t.regex(view.workers[worker.address]!.failure!.message, /could not fetch its input's blobs: ACCESS_DENIED/);
      }
    } finally {
      await job.stop();
    }
  } finally {
    await network.stop();
  }
});
