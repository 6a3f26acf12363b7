// Ranks the workers' Nim policies by a self-play tournament: every two policies play two games
// from heaps 3, 4, 5, each moving first once (a win is a point), and, to break ties, 100 games
// each against a random player (seeded by the request's seed, moving first every other game).
// Policies of the wrong shape or with an illegal move are dropped. Reads an Evaluation on stdin,
// writes an EvaluationResult on stdout, best first.
const heaps = [3, 4, 5];
const positions = heaps.reduce((n, h) => n * (h + 1), 1);
const decode = (index) => heaps.map((h, i) => Math.floor(index / heaps.slice(i + 1).reduce((n, x) => n * (x + 1), 1)) % (h + 1));
const encode = (state) => state.reduce((index, count, i) => index * (heaps[i] + 1) + count, 0);
const legal = (state, move) => move >= 0 && move < 15 && (move % 5) + 1 <= state[Math.floor(move / 5)];
const play = (state, move) => state.map((count, h) => (h === Math.floor(move / 5) ? count - (move % 5) - 1 : count));
const valid = (moves) =>
  typeof moves === 'string' && moves.length === positions && [...moves].every((l, index) => index === 0 || legal(decode(index), l.charCodeAt(0) - 97));

/** 0 when the first player wins, 1 when the second does. */
function game(first, second) {
  let state = heaps;
  for (let turn = 0; ; turn++) {
    state = play(state, (turn % 2 === 0 ? first : second)(state));
    if (state.every((c) => c === 0)) return turn % 2;
  }
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { request, workers = [] } = JSON.parse(input);
  let seed = (request?.seed ?? 0) >>> 0;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const randomPlayer = (state) => {
    const moves = state.flatMap((count, h) => Array.from({ length: count }, (_, k) => h * 5 + k));
    return moves[Math.floor(random() * moves.length)];
  };
  const entrants = workers
    .filter((w) => typeof w.node === 'string' && valid(w.response?.moves))
    .map((w) => ({ node: w.node, player: (state) => w.response.moves.charCodeAt(encode(state)) - 97, points: 0, againstRandom: 0 }));
  for (const a of entrants)
    for (const b of entrants) {
      if (a === b) continue;
      (game(a.player, b.player) === 0 ? a : b).points++;
    }
  for (const e of entrants) for (let g = 0; g < 100; g++) e.againstRandom += g % 2 === 0 ? 1 - game(e.player, randomPlayer) : game(randomPlayer, e.player);
  entrants.sort((a, b) => b.points - a.points || b.againstRandom - a.againstRandom || (a.node < b.node ? -1 : 1));
  process.stderr.write(`${JSON.stringify({ tournament: entrants.map(({ node, points, againstRandom }) => ({ node, points, againstRandom })) })}\n`);
  process.stdout.write(JSON.stringify({ node: entrants.map((e) => e.node) }));
});
