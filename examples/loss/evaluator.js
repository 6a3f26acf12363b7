// Ranks the workers' weights by their loss on held-out data, 1/2 mean((x.w - y)^2) over the rows of
// heldout.json (a file of the evaluator's, which the workers never see), lowest loss first;
// weights of the wrong length or not finite are dropped. Reads an Evaluation on stdin, writes an
// EvaluationResult on stdout.
const { readFileSync } = process.getBuiltinModule('node:fs');
const { rows } = JSON.parse(readFileSync('heldout.json', 'utf8'));
const n = rows[0].x.length;
const lossOf = (w) => rows.reduce((s, { x, y }) => s + (x.reduce((d, xi, i) => d + xi * w[i], 0) - y) ** 2, 0) / (2 * rows.length);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { workers = [] } = JSON.parse(input);
  const scored = workers
    .filter((w) => typeof w.node === 'string' && Array.isArray(w.response?.w) && w.response.w.length === n && w.response.w.every(Number.isFinite))
    .map((w) => ({ node: w.node, loss: lossOf(w.response.w) }))
    .sort((a, b) => a.loss - b.loss || (a.node < b.node ? -1 : 1));
  process.stderr.write(`${JSON.stringify({ heldOutLoss: Object.fromEntries(scored.map((s) => [s.node, s.loss])) })}\n`);
  process.stdout.write(JSON.stringify({ node: scored.map((s) => s.node) }));
});
