import { seededRandom } from './leastSquares.ts';

/** Nim as the example plays it: heaps 3, 4, 5; who takes the last object wins. */
export const nimHeaps = [3, 4, 5] as const;
/** Positions: heaps (a, b, c) at index a·30 + b·6 + c; 0 is the empty board. */
export const nimPositions = nimHeaps.reduce((n, h) => n * (h + 1), 1);

export type NimState = readonly number[];
/** A policy: one letter per position, `'a' + heap·5 + taken − 1` (as the worker program writes it). */
export type NimPolicy = string;
/** A player: the move it makes in a position, as a number `heap·5 + taken − 1`. */
export type NimPlayer = (state: NimState) => number;

export const decodeNim = (index: number): NimState =>
  nimHeaps.map((h, i) => Math.floor(index / nimHeaps.slice(i + 1).reduce((n, x) => n * (x + 1), 1)) % (h + 1));
export const encodeNim = (state: NimState): number => state.reduce((index, count, i) => index * (nimHeaps[i]! + 1) + count, 0);
const movesOf = (state: NimState): number[] => state.flatMap((count, h) => Array.from({ length: count }, (_, k) => h * 5 + k));
const play = (state: NimState, move: number): NimState => state.map((count, h) => (h === Math.floor(move / 5) ? count - (move % 5) - 1 : count));

export const policyPlayer =
  (policy: NimPolicy): NimPlayer =>
  (state) =>
    policy.charCodeAt(encodeNim(state)) - 97;

/** A player that picks a legal move at random, from `random`. */
export const randomPlayer =
  (random: () => number): NimPlayer =>
  (state) => {
    const moves = movesOf(state);
    return moves[Math.floor(random() * moves.length)]!;
  };

/** One game from the start: 0 when `first` wins, 1 when `second` does. An illegal move loses. */
export function nimGame(first: NimPlayer, second: NimPlayer): 0 | 1 {
  let state: NimState = nimHeaps;
  for (let turn = 0; ; turn++) {
    const move = (turn % 2 === 0 ? first : second)(state);
    if (!movesOf(state).includes(move)) return turn % 2 === 0 ? 1 : 0;
    state = play(state, move);
    if (state.every((c) => c === 0)) return turn % 2 === 0 ? 0 : 1;
  }
}

/** The share of `games` a policy wins against a random player (seeded), moving first every other game. */
export function winRateAgainstRandom(policy: NimPolicy, games: number, seed: number): number {
  const opponent = randomPlayer(seededRandom(seed));
  const player = policyPlayer(policy);
  let won = 0;
  for (let g = 0; g < games; g++) won += g % 2 === 0 ? 1 - nimGame(player, opponent) : nimGame(opponent, player);
  return won / games;
}

/** The share of the positions a win can be forced from where the policy makes a winning move (nim-sum 0 after it). */
export function optimalShare(policy: NimPolicy): number {
  let winning = 0;
  let right = 0;
  for (let index = 1; index < nimPositions; index++) {
    const state = decodeNim(index);
    if (state.reduce((x, c) => x ^ c, 0) === 0) continue;
    winning++;
    const after = play(state, policy.charCodeAt(index) - 97);
    if (after.reduce((x, c) => x ^ c, 0) === 0) right++;
  }
  return right / winning;
}

/** One self-play game as the worker program replays it: the positions it passed and the moves made there. */
export interface NimGameRecord {
  readonly from: readonly number[];
  readonly moves: string;
}

/**
 * `games` games of a policy against itself, from random positions half the time and from the
 * start otherwise, each move random with probability `explore` (seeded): the self-play data
 * the next round's workers learn from.
 */
export function selfPlayGames(policy: NimPolicy, games: number, seed: number, explore = 0.2): NimGameRecord[] {
  const random = seededRandom(seed);
  const player = policyPlayer(policy);
  const explorer = randomPlayer(random);
  return Array.from({ length: games }, () => {
    let state = random() < 0.5 ? nimHeaps : decodeNim(1 + Math.floor(random() * (nimPositions - 1)));
    const from: number[] = [];
    let moves = '';
    while (state.some((c) => c > 0)) {
      const move = random() < explore ? explorer(state) : player(state);
      from.push(encodeNim(state));
      moves += String.fromCharCode(97 + move);
      state = play(state, move);
    }
    return { from, moves };
  });
}
