// Counts the points of one batch inside the quarter circle x² + y² < 1. The points come from a
// seeded generator (mulberry32), so every worker given the same batch draws the same points.
// Reads a Batch ({ "seed", "samples" }) on stdin, writes a Count ({ "inside", "samples" }) on stdout.
const samplesMax = 50_000_000;
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { seed = 0, samples = 0 } = JSON.parse(input);
  if (!Number.isInteger(samples) || samples < 1 || samples > samplesMax) {
    process.stderr.write(`samples must be a whole number from 1 to ${samplesMax}\n`);
    process.exit(2);
  }
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    const x = next();
    const y = next();
    if (x * x + y * y < 1) inside++;
  }
  process.stdout.write(JSON.stringify({ inside, samples }));
});
