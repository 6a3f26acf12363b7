import type { DashboardState, JobDashboard, NodeDashboard } from './dashboardState.ts';
import { addAmount, ownEntry as own, putEntry as put } from '../dict/index.ts';
import type { Payout } from '../../schemas/index.ts';

type Earning = 'rewardsEarned' | 'feesEarned' | 'challengeFeesEarned' | 'depositsWon' | 'depositsLost' | 'feesPaid';

/**
 * Books the payouts of one settlement or refund. A deposit paid to anyone but the request's
 * evaluator was forfeited by the evaluator: lost by it and won by the payee. A refund, a bandwidth lock
 * back, a deposit back to its evaluator and a challenge fee back to the client who paid it move a node's own money
 * back, and earn nothing.
 */
export function bookPayouts(state: DashboardState, job: JobDashboard, payouts: readonly Payout[], evaluator: string | null, client: string): void {
  for (const payout of payouts) {
    switch (payout.kind) {
      case 'reward':
        job.rewardsPaid = addAmount(job.rewardsPaid, payout.amount);
        credit(state, payout.to, 'rewardsEarned', payout.amount);
        break;
      case 'fee':
        job.feesPaid = addAmount(job.feesPaid, payout.amount);
        credit(state, payout.to, 'feesEarned', payout.amount);
        credit(state, client, 'feesPaid', payout.amount);
        break;
      case 'challengeFee':
        if (payout.to !== client) {
          credit(state, payout.to, 'challengeFeesEarned', payout.amount);
          credit(state, client, 'feesPaid', payout.amount);
        }
        break;
      case 'deposit':
        if (evaluator !== null && payout.to !== evaluator) {
          credit(state, evaluator, 'depositsLost', payout.amount);
          credit(state, payout.to, 'depositsWon', payout.amount);
        }
        break;
      case 'refund':
      case 'bandwidth':
        break;
    }
  }
}

function credit(state: DashboardState, address: string, field: Earning, amount: string): void {
  const node = nodeOf(state, address);
  node[field] = addAmount(node[field] ?? '0', amount);
  const earned = [node.rewardsEarned, node.feesEarned, node.challengeFeesEarned, node.depositsWon].reduce((sum, a) => sum + BigInt(a), 0n);
  node.earned = earned.toString();
  node.profitability = (earned - BigInt(node.depositsLost) - BigInt(node.feesPaid ?? '0')).toString();
}

function nodeOf(state: DashboardState, address: string): NodeDashboard {
  const zero = '0';
  return (
    own(state.nodes, address) ??
    put<NodeDashboard>(state.nodes, address, {
      rewardsEarned: zero,
      feesEarned: zero,
      challengeFeesEarned: zero,
      depositsWon: zero,
      depositsLost: zero,
      feesPaid: zero,
      earned: zero,
      profitability: zero,
    })
  );
}
