// The loss example's GPU worker program: gradient descent on least squares as the gpu.js descent
// kernel, bundled with gpu.js into one file (gpuProgramFiles) and run by the execution runtime.
// Reads a Start ({ data: "blob://sha256:…" or inline rows, seed, steps, learning_rate }) on stdin —
// a blob's rows are the file blobs/<hash> the worker's agent fetched — and writes Weights ({ w, train_loss }) on
// stdout. Argument: what seeds its own start beside the request's seed (the worker's address).
import { readFileSync } from 'node:fs';
import { runKernelProgram } from '../gpu/index.ts';
import { lossOf, normalEquations, seedOf, startingWeights, type Dataset } from './leastSquares.ts';

/** The most descent steps one request may ask for (the kernel's own bound), rows and features of its data. */
const stepsMax = 100_000;
const rowsMax = 100_000;
const columnsMax = 256;

runKernelProgram((request, accelerator) => {
  const start = (request ?? {}) as { data?: unknown; inline?: Dataset; seed?: unknown; steps?: unknown; learning_rate?: unknown };
  const { data, steps, learning_rate: learningRate } = start;
  // Only a blob's hash names a file: never a path the request chose.
  const blob = typeof data === 'string' && /^blob:\/\/sha256:[0-9a-f]{64}$/.test(data) ? data.slice('blob://sha256:'.length) : undefined;
  if ((blob === undefined && start.inline === undefined) || !Number.isInteger(steps) || typeof learningRate !== 'number')
    throw new Error('The descent worker takes a Start: { data: "blob://sha256:…" or inline: { rows }, seed, steps, learning_rate }.');
  if ((steps as number) < 1 || (steps as number) > stepsMax) throw new Error(`steps must be 1 to ${stepsMax}.`);
  const rows = blob === undefined ? start.inline! : (JSON.parse(readFileSync(`blobs/${blob}`, 'utf8')) as Dataset);
  if (!Array.isArray(rows.rows) || rows.rows.length === 0 || rows.rows.length > rowsMax)
    throw new Error(`The Start names no rows of data, or more than ${rowsMax}.`);
  const columns = rows.rows[0]!.x?.length;
  if (!Number.isInteger(columns) || columns < 1 || columns > columnsMax || rows.rows.some((row) => row.x?.length !== columns || typeof row.y !== 'number'))
    throw new Error(`Every row needs the same 1 to ${columnsMax} features x and a target y.`);
  const { a, b } = normalEquations(rows);
  const w0 = Float32Array.from(startingWeights(seedOf(`${typeof start.seed === 'number' ? start.seed : 0}:${process.argv[2] ?? ''}`), b.length));
  const w = Array.from(accelerator.descend({ a, b, w0, learningRate, steps: steps as number }));
  return { w, train_loss: lossOf(w, rows) };
});
