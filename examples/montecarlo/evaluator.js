// Ranks the workers of one batch by agreement: the count most workers gave (for the batch's size)
// is taken as the batch's, the workers that gave it are ranked (by address, for a stable order)
// and the others dropped. Reads an Evaluation on stdin, writes an EvaluationResult on stdout.
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { request, workers = [] } = JSON.parse(input);
  const valid = workers.filter(
    (w) =>
      typeof w.node === 'string' && w.response?.samples === request?.samples && Number.isInteger(w.response?.inside) && w.response.inside <= request.samples,
  );
  const votes = new Map();
  for (const w of valid) votes.set(w.response.inside, (votes.get(w.response.inside) ?? 0) + 1);
  let majority;
  let most = 0;
  for (const [inside, count] of [...votes].sort((a, b) => a[0] - b[0])) {
    if (count > most) [majority, most] = [inside, count];
  }
  const agreeing = valid.filter((w) => w.response.inside === majority).map((w) => w.node);
  process.stdout.write(JSON.stringify({ node: agreeing.sort() }));
});
