/**
 * Elo, as the papers suggest for "relative computation power … when two machines worked on a job
 * together": every ranking is a round robin in which each worker beat every worker ranked below it.
 */

/** Ratings are kept to this many decimals so every machine serialises the same digits. */
export const ratingDecimals = 6;
const scale = 10 ** ratingDecimals;

/**
 * Rounds a rating (or a ratio) to `ratingDecimals`, and never to `-0`, so that two machines whose
 * floating point differs in the last bit still agree byte for byte once serialised.
 * @example roundRating(1516.00000000004) // 1516
 */
export function roundRating(value: number): number {
  return Math.round(value * scale) / scale + 0;
}

/**
 * The score a player rated `rating` is expected to make against one rated `opponentRating`.
 * @example eloExpectedScore(1500, 1500) // 0.5
 */
export function eloExpectedScore(rating: number, opponentRating: number): number {
  return 1 / (1 + 10 ** ((opponentRating - rating) / 400));
}

/**
 * The change of each player's rating after one ranking (best first), every pair a game the higher
 * ranked one won. All pairs are scored against the ratings before the ranking and summed, so the
 * result does not depend on the order the pairs are played in. A player listed twice counts at its
 * first place; a ranking of fewer than two players changes nothing. The work is quadratic in the
 * ranking's length, which `RankOp` bounds to 64 workers (2016 games).
 * @example eloRankingDeltas(['a', 'b'], () => 1500, 32) // [['a', 16], ['b', -16]]
 */
export function eloRankingDeltas(ranking: readonly string[], ratings: (player: string) => number, kFactor: number): [player: string, delta: number][] {
  const players = [...new Set(ranking)];
  const before = players.map(ratings);
  const deltas = players.map(() => 0);
  for (let winner = 0; winner < players.length; winner++) {
    for (let loser = winner + 1; loser < players.length; loser++) {
      const expected = eloExpectedScore(before[winner]!, before[loser]!);
      deltas[winner]! += kFactor * (1 - expected);
      deltas[loser]! -= kFactor * (1 - expected);
    }
  }
  return players.map((player, i) => [player, deltas[i]!]);
}
