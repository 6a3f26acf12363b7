import { eloRankingDeltas, roundRating } from './elo.ts';
import { insertSorted, ownEntry as own, putEntry as put, removeEntry as remove, removeSorted } from '../dict/index.ts';
import type { JobEvent } from '../../schemas/index.ts';
import type { JobReputation, NodeReputation, ReputationState } from './reputationState.ts';

type EventOf<T extends JobEvent['type']> = Extract<JobEvent, { type: T }>;

/**
 * Folds job events, in block order, into the reputation: counters per node and job, the RTree of
 * approvals, and Elo ratings from rankings. Pure and deterministic: the state is changed in place
 * and returned, and folding a stream in one call or in several gives identical JSON.
 * @example const reputation = applyReputationEvents(createReputation(), blockOutcome.jobEvents)
 */
export function applyReputationEvents(state: ReputationState, events: readonly JobEvent[]): ReputationState {
  for (const event of events) applyEvent(state, event);
  return state;
}

function applyEvent(state: ReputationState, event: JobEvent): void {
  const job = jobOf(state, event.job);
  const node = (address: string): NodeReputation => nodeOf(state, job, address);
  switch (event.type) {
    case 'jobRegistered': {
      job.admin = event.admin;
      const entry = node(event.admin);
      entry.role = 'admin';
      entry.status = 'approved';
      return;
    }
    case 'nodeApplied': {
      const entry = node(event.node);
      entry.role = event.role;
      if (entry.status !== 'approved') entry.status = 'applied';
      return;
    }
    case 'nodeApproved':
      return approve(state, job, event);
    case 'nodeDropped': {
      const entry = node(event.node);
      entry.status = 'dropped';
      entry.drops += 1;
      return;
    }
    case 'requested':
    case 'binariesPublished':
    case 'reserved':
    case 'reservationAccepted':
    case 'reservationEnded':
    case 'testDataRevealed':
    case 'keyShared':
    case 'challenged':
    case 'blindChallenged':
    case 'blindVerdict':
      return;
    case 'accepted': {
      node(event.node).accepted += 1;
      return;
    }
    case 'submitted': {
      const entry = node(event.node);
      entry.submitted += 1;
      entry.responseMsTotal += event.responseMs;
      updateRatios(entry);
      const submitters = own(job.submitters, event.request) ?? put<string[]>(job.submitters, event.request, []);
      if (!submitters.includes(event.node)) submitters.push(event.node);
      return;
    }
    case 'workerRejected': {
      const entry = node(event.node);
      entry.rejectedByClients = (entry.rejectedByClients ?? 0) + 1;
      const submitters = own(job.submitters, event.request);
      if (submitters?.includes(event.node) === true) submitters.splice(submitters.indexOf(event.node), 1);
      return;
    }
    case 'ranked': {
      const deltas = eloRankingDeltas(event.ranking, (worker) => node(worker).rating, state.kFactor);
      for (const [worker, delta] of deltas) {
        const entry = node(worker);
        entry.rating = roundRating(entry.rating + delta);
        entry.games += deltas.length - 1;
      }
      return;
    }
    case 'challengeResolved': {
      // Upheld: the challenger (the client or a worker) was right and the evaluator wrong.
      const [winner, loser] = event.upheld ? [event.challenger, event.evaluator] : [event.evaluator, event.challenger];
      node(winner).challengesWon += 1;
      node(loser).challengesLost += 1;
      return;
    }
    case 'challengerPenalized': {
      // The paper: "if the worker's challenge is not accepted after multiple attempts, the reputation of workers may also drop".
      const entry = node(event.node);
      entry.challengePenalties = (entry.challengePenalties ?? 0) + 1;
      entry.rating = roundRating(entry.rating - state.kFactor);
      return;
    }
    case 'blindChallengeResolved': {
      if (event.outcome === 'lapsed') return;
      const [winner, loser] = event.outcome === 'upheld' ? [event.client, event.evaluator] : [event.evaluator, event.client];
      node(winner).challengesWon += 1;
      node(loser).challengesLost += 1;
      return;
    }
    case 'settled':
      return settle(state, job, event);
    case 'refunded': {
      if (event.reason === 'challengeUpheld' || event.reason === 'blindChallengeUpheld') {
        for (const worker of own(job.submitters, event.request) ?? []) reject(node(worker));
      }
      remove(job.submitters, event.request);
      return;
    }
    default:
      // A new event type fails to compile here until it is placed; at run time it is skipped.
      event satisfies never;
  }
}

function approve(state: ReputationState, job: JobReputation, event: EventOf<'nodeApproved'>): void {
  const entry = nodeOf(state, job, event.node);
  if (entry.parent !== null && entry.parent !== event.parent) {
    const former = own(job.nodes, entry.parent);
    if (former !== undefined) removeSorted(former.children, event.node);
  }
  entry.role = event.role;
  entry.status = 'approved';
  entry.parent = event.parent;
  insertSorted(nodeOf(state, job, event.parent).children, event.node);
}

function settle(state: ReputationState, job: JobReputation, event: EventOf<'settled'>): void {
  const rewarded = new Set(event.payouts.filter((p) => p.kind === 'reward' && p.to !== event.evaluator).map((p) => p.to));
  for (const worker of rewarded) {
    const entry = nodeOf(state, job, worker);
    entry.paid += 1;
    entry.jobsDone += 1;
    updateRatios(entry);
  }
  if (event.evaluator !== null) nodeOf(state, job, event.evaluator).jobsDone += 1;
  for (const worker of new Set(event.unpaid)) reject(nodeOf(state, job, worker));
  remove(job.submitters, event.request);
}

function reject(entry: NodeReputation): void {
  entry.rejected += 1;
  updateRatios(entry);
}

function updateRatios(entry: NodeReputation): void {
  const ratio = (count: number): number | null => (entry.submitted === 0 ? null : roundRating(count / entry.submitted));
  entry.acceptanceRatio = ratio(entry.paid);
  entry.rejectionRatio = ratio(entry.rejected);
  entry.responseMsAverage = ratio(entry.responseMsTotal);
}

function jobOf(state: ReputationState, job: string): JobReputation {
  return own(state.jobs, job) ?? put<JobReputation>(state.jobs, job, { admin: null, nodes: {}, submitters: {} });
}

function nodeOf(state: ReputationState, job: JobReputation, address: string): NodeReputation {
  return (
    own(job.nodes, address) ??
    put<NodeReputation>(job.nodes, address, {
      role: null,
      status: null,
      parent: null,
      children: [],
      jobsDone: 0,
      accepted: 0,
      submitted: 0,
      paid: 0,
      rejected: 0,
      acceptanceRatio: null,
      rejectionRatio: null,
      responseMsTotal: 0,
      responseMsAverage: null,
      challengesWon: 0,
      challengesLost: 0,
      drops: 0,
      rejectedByClients: 0,
      rating: state.initialRating,
      games: 0,
    })
  );
}
