// Workers given one task compute the same weights: the weights most workers returned (to 1e-9)
// are the task's, the workers that returned them are ranked (by address, for a stable order) and
// the others dropped. Reads an Evaluation on stdin, writes an EvaluationResult on stdout.
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { request, workers = [] } = JSON.parse(input);
  const width = request?.weights?.length ?? 0;
  const keyOf = (w) => w.map((v) => Math.round(v * 1e9)).join(',');
  const valid = workers.filter(
    (s) => typeof s.node === 'string' && Array.isArray(s.response?.w) && s.response.w.length === width && s.response.w.every(Number.isFinite),
  );
  const votes = new Map();
  for (const s of valid) votes.set(keyOf(s.response.w), (votes.get(keyOf(s.response.w)) ?? 0) + 1);
  let majority;
  let most = 0;
  for (const [key, count] of [...votes].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (count > most) [majority, most] = [key, count];
  }
  process.stdout.write(
    JSON.stringify({
      node: valid
        .filter((s) => keyOf(s.response.w) === majority)
        .map((s) => s.node)
        .sort(),
    }),
  );
});
