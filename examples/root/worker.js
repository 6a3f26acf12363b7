// The paper's worker: it is not smart, it guesses x at random and keeps the best guess.
// Reads a Request ({ "y": … }) as JSON on stdin, writes a WorkerReply ({ "x": … }) on stdout.
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { y } = JSON.parse(input);
  const guesses = Number(process.argv[2] ?? 100_000);
  const top = Math.max(1, y);
  let best = 0;
  let bestLoss = Math.abs(y);
  for (let i = 0; i < guesses; i++) {
    const x = Math.random() * top;
    const loss = Math.abs(y - x * x);
    if (loss < bestLoss) {
      bestLoss = loss;
      best = x;
    }
  }
  process.stdout.write(JSON.stringify({ x: best }));
});
