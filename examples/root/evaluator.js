// The paper's evaluator: ranks the workers by how close x * x comes to y, dropping invalid replies.
// Reads an Evaluation ({ "request": { "y" }, "workers": [{ "node", "response": { "x" } }] }) on
// stdin, writes an EvaluationResult ({ "node": [best first] }) on stdout.
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { request, workers = [] } = JSON.parse(input);
  const y = request?.y ?? 0;
  const scored = workers
    .filter((w) => typeof w.node === 'string' && Number.isFinite(w.response?.x))
    .map((w) => ({ node: w.node, loss: Math.abs(y - w.response.x * w.response.x) }))
    .sort((a, b) => a.loss - b.loss || (a.node < b.node ? -1 : 1));
  process.stdout.write(JSON.stringify({ node: scored.map((w) => w.node) }));
});
