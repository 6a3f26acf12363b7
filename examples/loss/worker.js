// Gradient descent on least squares, 1/2 mean((x.w - y)^2), from random starting weights in
// [-5, 5) drawn from the request's seed (mulberry32). The data is the request's inline rows, or the
// blob it names, which the worker's agent fetched into blobs/<hash>. The GPU workers of the example
// run the same descent as a gpu.js kernel in their agent instead.
// Reads a Start on stdin, writes Weights ({ "w", "train_loss" }) on stdout.
const { readFileSync } = process.getBuiltinModule('node:fs');
const stepsMax = 100_000;
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const start = JSON.parse(input);
  const rows = start.data ? JSON.parse(readFileSync(`blobs/${start.data.slice('blob://sha256:'.length)}`, 'utf8')).rows : (start.inline?.rows ?? []);
  const steps = start.steps ?? 0;
  if (rows.length === 0 || !Number.isInteger(steps) || steps > stepsMax) {
    process.stderr.write(`the request needs rows of data and at most ${stepsMax} steps\n`);
    process.exit(2);
  }
  let state = (start.seed ?? 0) >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = rows[0].x.length;
  let w = Array.from({ length: n }, () => random() * 10 - 5);
  const residuals = (weights) => rows.map(({ x, y }) => x.reduce((s, xi, i) => s + xi * weights[i], 0) - y);
  for (let s = 0; s < steps; s++) {
    const r = residuals(w);
    const gradient = w.map((_, i) => rows.reduce((g, row, k) => g + row.x[i] * r[k], 0) / rows.length);
    w = w.map((wi, i) => wi - start.learning_rate * gradient[i]);
    if (s % 100 === 0) process.stderr.write(`${JSON.stringify({ progress: s / steps })}\n`);
  }
  const trainLoss = residuals(w).reduce((s, e) => s + e * e, 0) / (2 * rows.length);
  process.stdout.write(JSON.stringify({ w, train_loss: trainLoss }));
});
