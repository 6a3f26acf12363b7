// Learns to play Nim (heaps 3, 4, 5; who takes the last object wins) by self-play: Q-learning
// from both players' side at once (negamax: a move is worth minus the best move after it), with
// exploring starts and epsilon-greedy moves, first replaying the self-play games of the last
// round's best policy when the request names them (a blob the worker's agent fetched into
// blobs/<hash>). Reads a Training on stdin, writes a Policy ({ "moves", "episodes" }) on stdout:
// `moves` holds one letter per position, the move the policy makes there.
const { readFileSync } = process.getBuiltinModule('node:fs');
const heaps = [3, 4, 5];
const episodesMax = 200_000;
const positions = heaps.reduce((n, h) => n * (h + 1), 1);
const decode = (index) => heaps.map((h, i) => Math.floor(index / heaps.slice(i + 1).reduce((n, x) => n * (x + 1), 1)) % (h + 1));
const encode = (state) => state.reduce((index, count, i) => index * (heaps[i] + 1) + count, 0);
// A move is a letter: 'a' + heap × 5 + (taken − 1).
const movesOf = (state) => state.flatMap((count, h) => Array.from({ length: count }, (_, k) => h * 5 + k));
const play = (state, move) => state.map((count, h) => (h === Math.floor(move / 5) ? count - (move % 5) - 1 : count));

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const training = JSON.parse(input);
  const episodes = training.episodes ?? 0;
  if (!Number.isInteger(episodes) || episodes > episodesMax) {
    process.stderr.write(`episodes must be a whole number up to ${episodesMax}\n`);
    process.exit(2);
  }
  const q = Array.from({ length: positions }, (_, index) => new Map(movesOf(decode(index)).map((m) => [m, 0])));
  const best = (index) => Math.max(...q[index].values());
  const update = (index, move, rate) => {
    const next = encode(play(decode(index), move));
    const target = next === 0 ? 1 : -best(next);
    q[index].set(move, q[index].get(move) + rate * (target - q[index].get(move)));
  };
  if (training.prior) {
    // Each game: the positions it passed (`from`) and the moves made there, replayed last move first.
    const { games } = JSON.parse(readFileSync(`blobs/${training.prior.slice('blob://sha256:'.length)}`, 'utf8'));
    for (let pass = 0; pass < 4; pass++)
      for (const game of games)
        for (let i = game.moves.length - 1; i >= 0; i--) {
          const move = game.moves.charCodeAt(i) - 97;
          if (q[game.from[i]]?.has(move)) update(game.from[i], move, 0.5);
        }
  }
  // The request's seed, mixed with this run's own randomness: each worker explores its own way.
  let seed = ((training.seed ?? 0) ^ Math.floor(Math.random() * 2 ** 32)) >>> 0;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const start = encode(heaps);
  for (let e = 0; e < episodes; e++) {
    let index = random() < 0.5 ? start : 1 + Math.floor(random() * (positions - 1));
    while (index !== 0) {
      const moves = [...q[index].keys()];
      const move = random() < 0.2 ? moves[Math.floor(random() * moves.length)] : moves.reduce((b, m) => (q[index].get(m) > q[index].get(b) ? m : b));
      update(index, move, 0.5);
      index = encode(play(decode(index), move));
    }
  }
  const moves = q.map((options, index) =>
    index === 0 ? '-' : String.fromCharCode(97 + [...options.keys()].reduce((b, m) => (options.get(m) > options.get(b) ? m : b))),
  );
  process.stdout.write(JSON.stringify({ moves: moves.join(''), episodes }));
});
