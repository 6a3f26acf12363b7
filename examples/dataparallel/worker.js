// `steps` of gradient descent on least squares over one shard, from the weights of the task (the
// parameter server's). The shard is the task's inline rows, or the blob it names, which the
// worker's agent fetched into blobs/<hash>. Reads a Task on stdin, writes Weights on stdout.
const { readFileSync } = process.getBuiltinModule('node:fs');
const stepsMax = 100_000;
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const task = JSON.parse(input);
  const rows = task.shard ? JSON.parse(readFileSync(`blobs/${task.shard.slice('blob://sha256:'.length)}`, 'utf8')).rows : (task.inline?.rows ?? []);
  const steps = task.steps ?? 0;
  let w = task.weights ?? [];
  if (rows.length === 0 || w.length !== rows[0].x.length || !Number.isInteger(steps) || steps > stepsMax) {
    process.stderr.write(`the task needs rows, weights of their width and at most ${stepsMax} steps\n`);
    process.exit(2);
  }
  const residuals = (weights) => rows.map(({ x, y }) => x.reduce((s, xi, i) => s + xi * weights[i], 0) - y);
  for (let s = 0; s < steps; s++) {
    const r = residuals(w);
    const gradient = w.map((_, i) => rows.reduce((g, row, k) => g + row.x[i] * r[k], 0) / rows.length);
    w = w.map((wi, i) => wi - task.learning_rate * gradient[i]);
  }
  const shardLoss = residuals(w).reduce((s, e) => s + e * e, 0) / (2 * rows.length);
  process.stdout.write(JSON.stringify({ w, shard_loss: shardLoss }));
});
