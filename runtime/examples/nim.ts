import type { Example } from './exampleReport.ts';
import { examplePrograms } from './examplePrograms.ts';
import { startExampleJob } from './exampleJob.ts';
import { optimalShare, selfPlayGames, winRateAgainstRandom, type NimPolicy } from './nimGame.ts';

export const nimRounds = 2;
/** Self-play episodes of one worker in one round: too few alone for perfect play, so the rounds show. */
export const nimEpisodes = 800;
export const nimSelfPlayGames = 300;
/** Games of the final policy against a random player, and the share it must win (the README's bound). */
export const nimTestGames = 1000;
export const nimWinRateMin = 0.9;

/**
 * Reinforcement training, small: each round every worker learns a Nim policy by self-play
 * (after replaying the self-play games of the last round's best policy, kept in Big Storage), the
 * evaluator ranks the policies by a tournament, and the client stores the best one's self-play
 * games for the next round; the last round's best policy plays a random player.
 */
export const nim: Example = {
  name: 'nim',
  title: 'Reinforcement training, small',
  summary: `Nim policies learned by self-play for ${nimRounds} rounds, ranked by tournament, self-play data in Big Storage`,
  async run(network) {
    const started = performance.now();
    const programs = await examplePrograms('nim', { worker: { service: 'Worker', rpc: 'Train' }, evaluator: { service: 'Evaluator', rpc: 'Tournament' } });
    const job = await startExampleJob(network, { programs, workers: 3, inputBlobs: true });
    try {
      let prior = '';
      let best: NimPolicy = '';
      const figures: Record<string, number> = {};
      for (let round = 1; round <= nimRounds; round++) {
        const done = await job.request(
          { seed: round, episodes: nimEpisodes, prior },
          { reward: ['1', '6'], reward_function: 'ranked', reward_weights: [3, 2, 1] },
        );
        const winner = done.ranking[0];
        if (done.state !== 'settled' || winner === undefined)
          throw new Error(`round ${round}: the request ${done.request.slice(0, 10)}… ended ${done.state} without a ranking`);
        best = (done.results[winner] as { moves: string }).moves;
        const shares = done.ranking.map((node) => optimalShare((done.results[node] as { moves: string }).moves).toFixed(2)).join(', ');
        figures[`round${round}WinRate`] = winRateAgainstRandom(best, nimTestGames, 1000 + round);
        network.say(
          `  round ${round}: ${done.ranking.length} policies ranked by tournament (winning moves found, best first: ${shares}); the best wins ${(100 * figures[`round${round}WinRate`]!).toFixed(1)}% against random play`,
        );
        if (round < nimRounds) {
          prior = await job.store({ policy: best, games: selfPlayGames(best, nimSelfPlayGames, round) });
          network.say(`  ${nimSelfPlayGames} self-play games of the best policy in Big Storage for round ${round + 1}: ${prior.slice(0, 24)}…`);
        }
      }
      const winRate = figures[`round${nimRounds}WinRate`]!;
      return {
        name: 'nim',
        rounds: nimRounds,
        requests: nimRounds,
        wallMs: performance.now() - started,
        quality: { figure: 'win rate', value: winRate, bound: `win rate against random play ≥ ${nimWinRateMin}`, ok: winRate >= nimWinRateMin },
        figures: { ...figures, winRate, optimalShare: optimalShare(best) },
        files: [],
      };
    } finally {
      await job.stop();
    }
  },
};
