import { assign, setup } from 'xstate';
import type { RewardFunction } from '../../schemas/index.ts';

/** Windows of the protocol in block time, from the genesis (with defaults). */
export interface JobWindows {
  readonly claimWindowMs: number;
  readonly rankWindowMs: number;
  readonly resolveWindowMs: number;
  readonly maxChallenges: number;
  /** The longest time_limit a request may ask for. */
  readonly maxTimeLimitMs: number;
  /**
   * Every this many rejected challenges of one worker in one job, its reputation drops; and how
   * long a blind challenge waits for its quorum. Kept in a request only when the genesis sets
   * them, so the requests of a genesis that sets neither keep the bytes (and roots) they had.
   */
  readonly challengeStrikes?: number;
  readonly blindWindowMs?: number;
}

/** Defaults of the optional windows. */
export const defaultChallengeStrikes = 2;
export const defaultBlindWindowMs = 600_000;

export type { RewardFunction };
export type RefundReason = 'noEvaluator' | 'noResult' | 'noRanking' | 'challengeUpheld' | 'blindChallengeUpheld';

/** An open blind challenge: the reward it locked, its quorum, and the verdicts given so far (by admin, in order). */
export interface BlindChallenge {
  readonly reward: string;
  readonly quorum: number;
  /** Admins eligible when it opened (approved by then, outside the evaluator's branch, not the client). */
  readonly eligible: number;
  readonly openedAt: number;
  readonly verdicts: Readonly<Record<string, boolean>>;
}

/** A worker on a request: when it accepted and, once it has, when it submitted (block time). */
export interface RequestWorker {
  readonly acceptedAt: number;
  readonly submittedAt?: number;
  /** What it submitted was its run's failure, not a result: the run's code and sentence. Never ranked, never paid. */
  readonly failure?: { readonly code: string; readonly message: string };
  /** The blob holding its run's stderr tail and progress events, as its submitResult named it. */
  readonly log?: string;
  /** The version of the job's binaries it ran, on a job that publishes binaries. */
  readonly version?: number;
}

/** Everything a job request's machine knows; plain JSON, persisted in the state tree. */
export interface JobContext {
  readonly job: string;
  readonly request: string;
  readonly client: string;
  /** The paper's `reward: [10, 10]`: `[evaluator, workers]`, decimal strings (the evaluator's pay, the workers' pool). */
  readonly reward: readonly [string, string];
  /** How the workers' pool is split among the ranked workers (settle.ts). */
  readonly rewardFunction: RewardFunction;
  /** Per-rank weights of `ranked`, best first; null for the other functions. */
  readonly rewardWeights: readonly number[] | null;
  readonly timeLimitMs: number;
  readonly skipEvaluation: boolean;
  /** Allow-lists; null: any approved node of the job. */
  readonly evaluatorsAllowed: readonly string[] | null;
  readonly workersAllowed: readonly string[] | null;
  /** The job's fee for its parent admin and its challenge fee, fixed at request time. */
  readonly fee: string;
  readonly challengeFee: string;
  readonly windows: JobWindows;
  readonly requestedAt: number;
  /** Block time at which the current state's deadline passes. */
  readonly deadline: number;
  readonly evaluator: string | null;
  readonly deposit: string;
  /** By address, in the order they accepted. */
  readonly workers: Readonly<Record<string, RequestWorker>>;
  readonly ranking: readonly string[];
  readonly challenges: number;
  /** Challenge fee locked by the open challenge ('0' when none is open). */
  readonly challengeFeeLocked: string;
  readonly refundReason: RefundReason | null;
  /** Workers the client rejected while the request ran (absent until it rejects one). */
  readonly rejected?: readonly string[];
  /** The worker whose challenge is open; absent when the open challenge is the client's, or none is. */
  readonly challenger?: string;
  /** Challenges each worker raised (absent until one does); `challenges` counts the client's. */
  readonly workerChallenges?: Readonly<Record<string, number>>;
  /** A worker's challenge was upheld: its evaluator forfeited its deposit and is not paid its part (absent otherwise). */
  readonly overruled?: boolean;
  /** The open blind challenge (absent when none is). */
  readonly blind?: BlindChallenge;
  /** AIN the client locked for its agents' bandwidth (requestBandwidth.ts), back to it when the request ends; absent when none. */
  readonly bandwidth?: string;
}

export type JobInput = Omit<JobContext, 'deadline' | 'evaluator' | 'deposit' | 'workers' | 'ranking' | 'challenges' | 'challengeFeeLocked' | 'refundReason'>;

/** What the ledger fold sends a request's machine; `time` is the block's. */
export type JobMachineEvent =
  | { readonly type: 'acceptEvaluator'; readonly node: string; readonly deposit: string; readonly time: number }
  | { readonly type: 'acceptWorker'; readonly node: string; readonly time: number }
  | {
      readonly type: 'submitResult';
      readonly node: string;
      readonly time: number;
      readonly failure?: RequestWorker['failure'];
      readonly log?: string;
      readonly version?: number;
    }
  | { readonly type: 'rejectWorker'; readonly node: string; readonly time: number }
  | { readonly type: 'rank'; readonly ranking: readonly string[]; readonly time: number }
  | { readonly type: 'acceptResult'; readonly time: number }
  | { readonly type: 'challenge'; readonly worker?: string; readonly time: number }
  | { readonly type: 'resolveChallenge'; readonly uphold: boolean; readonly ranking?: readonly string[]; readonly time: number }
  | { readonly type: 'blindChallenge'; readonly reward: string; readonly quorum: number; readonly eligible: number; readonly time: number }
  | { readonly type: 'blindVerdict'; readonly admin: string; readonly uphold: boolean; readonly time: number }
  | { readonly type: 'deadline'; readonly time: number };

/** At most this many workers on one request: every list in the fold has a bound. */
export const workersPerRequestMax = 64;

/**
 * The lifecycle of one job request (architecture paper §2.2.3), drawn once: the ledger folds it
 * as XState's pure `transition` steps it (flatMachine.ts) over persisted snapshots, and a node may
 * run it live to watch a job. Guards only read the context and the event; who may send what is the fold's check.
 *
 * requested → accepted (evaluator's deposit locked) → running (workers accept and submit; the
 * client may reject a worker) →
 * ranking (block time passed the limit) → ranked → settled | challenged → ranked | refunded
 * (a worker's challenge upheld: ranked again by the resolver's ranking) | blindChallenged
 * (verdicts of other admins) → ranked | refunded.
 * With `skip_evaluation`, trusted workers accept at once and the first result settles.
 */
export const jobMachine = setup({
  types: { context: {} as JobContext, events: {} as JobMachineEvent, input: {} as JobInput },
  guards: {
    skipsEvaluation: ({ context }) => context.skipEvaluation,
    evaluates: ({ context }) => !context.skipEvaluation,
    hasRoom: ({ context }) => Object.keys(context.workers).length < workersPerRequestMax,
    hasResults: ({ context }) => Object.values(context.workers).some((w) => w.submittedAt !== undefined && w.failure === undefined),
    settlesAtOnce: ({ context, event }) => context.skipEvaluation && event.type === 'submitResult' && event.failure === undefined,
    mayChallenge: ({ context, event }) =>
      event.type === 'challenge' && event.worker !== undefined
        ? (context.workerChallenges?.[event.worker] ?? 0) < context.windows.maxChallenges
        : context.challenges < context.windows.maxChallenges,
    upholdsClients: ({ context, event }) => event.type === 'resolveChallenge' && event.uphold && context.challenger === undefined,
    upholdsWorkers: ({ context, event }) => event.type === 'resolveChallenge' && event.uphold && context.challenger !== undefined,
    blindQuorumUpholds: ({ context, event }) => event.type === 'blindVerdict' && event.uphold && verdictsOf(context, true) + 1 >= context.blind!.quorum,
    blindQuorumRejects: ({ context, event }) => event.type === 'blindVerdict' && !event.uphold && verdictsOf(context, false) + 1 >= context.blind!.quorum,
    isWorker: ({ context, event }) => event.type === 'rejectWorker' && context.workers[event.node] !== undefined,
  },
  actions: {
    setEvaluator: assign(({ context, event }) =>
      event.type === 'acceptEvaluator' ? { evaluator: event.node, deposit: event.deposit, deadline: event.time + context.timeLimitMs } : {},
    ),
    addWorker: assign({
      workers: ({ context, event }) => (event.type === 'acceptWorker' ? { ...context.workers, [event.node]: { acceptedAt: event.time } } : context.workers),
    }),
    addResult: assign({
      workers: ({ context, event }) =>
        event.type === 'submitResult'
          ? {
              ...context.workers,
              [event.node]: {
                ...context.workers[event.node]!,
                submittedAt: event.time,
                ...(event.failure === undefined ? {} : { failure: event.failure }),
                ...(event.log === undefined ? {} : { log: event.log }),
                ...(event.version === undefined ? {} : { version: event.version }),
              },
            }
          : context.workers,
    }),
    removeWorker: assign(({ context, event }) => {
      if (event.type !== 'rejectWorker') return {};
      const { [event.node]: _gone, ...workers } = context.workers;
      return { workers, rejected: [...(context.rejected ?? []), event.node] };
    }),
    rankOnlyResult: assign({ ranking: ({ event }) => (event.type === 'submitResult' ? [event.node] : []) }),
    setRanking: assign({ ranking: ({ event }) => (event.type === 'rank' ? [...event.ranking] : []) }),
    refund: assign((_, params: { reason: RefundReason }) => ({ refundReason: params.reason })),
    openRanking: assign({ deadline: ({ context, event }) => event.time + context.windows.rankWindowMs }),
    openClaim: assign({ deadline: ({ context, event }) => event.time + context.windows.claimWindowMs, challengeFeeLocked: '0' }),
    openChallenge: assign(({ context, event }) => {
      const opened = { challengeFeeLocked: context.challengeFee, deadline: event.time + context.windows.resolveWindowMs };
      if (event.type !== 'challenge' || event.worker === undefined) return { ...opened, challenges: context.challenges + 1 };
      const workerChallenges = { ...context.workerChallenges, [event.worker]: (context.workerChallenges?.[event.worker] ?? 0) + 1 };
      return { ...opened, challenger: event.worker, workerChallenges };
    }),
    closeChallenge: assign({ challenger: () => undefined }),
    // The re-evaluation of an upheld worker's challenge: the resolver's ranking, the evaluator's deposit gone to the challenger.
    overrule: assign(({ event }) => (event.type === 'resolveChallenge' ? { ranking: [...(event.ranking ?? [])], deposit: '0', overruled: true } : {})),
    openBlind: assign(({ context, event }) =>
      event.type === 'blindChallenge'
        ? {
            challenges: context.challenges + 1,
            blind: { reward: event.reward, quorum: event.quorum, eligible: event.eligible, openedAt: event.time, verdicts: {} },
            deadline: event.time + (context.windows.blindWindowMs ?? defaultBlindWindowMs),
          }
        : {},
    ),
    addVerdict: assign({
      blind: ({ context, event }) =>
        event.type === 'blindVerdict' ? { ...context.blind!, verdicts: { ...context.blind!.verdicts, [event.admin]: event.uphold } } : context.blind,
    }),
    closeBlind: assign({ blind: () => undefined }),
  },
}).createMachine({
  id: 'job',
  initial: 'requested',
  // XState's pure transition() builds a throwaway actor without input on every call: answer it
  // cheaply instead of throwing, since a caught exception per step dominates the fold's cost
  // (see docs/benchmarks.md).
  context: ({ input }) => ({
    ...input,
    deadline: input === undefined ? 0 : input.requestedAt + input.timeLimitMs,
    evaluator: null,
    deposit: '0',
    workers: {},
    ranking: [],
    challenges: 0,
    challengeFeeLocked: '0',
    refundReason: null,
  }),
  states: {
    requested: {
      on: {
        acceptEvaluator: { guard: 'evaluates', target: 'accepted', actions: 'setEvaluator' },
        acceptWorker: { guard: 'skipsEvaluation', target: 'running', actions: 'addWorker' },
        deadline: [
          { guard: 'skipsEvaluation', target: 'refunded', actions: { type: 'refund', params: { reason: 'noResult' } } },
          { target: 'refunded', actions: { type: 'refund', params: { reason: 'noEvaluator' } } },
        ],
      },
    },
    accepted: {
      on: {
        acceptWorker: { target: 'running', actions: 'addWorker' },
        deadline: { target: 'refunded', actions: { type: 'refund', params: { reason: 'noResult' } } },
      },
    },
    running: {
      on: {
        acceptWorker: { guard: 'hasRoom', actions: 'addWorker' },
        rejectWorker: { guard: 'isWorker', actions: 'removeWorker' },
        // A failure is kept with the worker (and its log) but settles nothing and is never ranked.
        submitResult: [{ guard: 'settlesAtOnce', target: 'settled', actions: ['addResult', 'rankOnlyResult'] }, { actions: 'addResult' }],
        deadline: [
          { guard: 'hasResults', target: 'ranking', actions: 'openRanking' },
          { target: 'refunded', actions: { type: 'refund', params: { reason: 'noResult' } } },
        ],
      },
    },
    ranking: {
      on: {
        rank: { target: 'ranked', actions: ['setRanking', 'openClaim'] },
        deadline: { target: 'refunded', actions: { type: 'refund', params: { reason: 'noRanking' } } },
      },
    },
    ranked: {
      on: {
        acceptResult: { target: 'settled' },
        challenge: { guard: 'mayChallenge', target: 'challenged', actions: 'openChallenge' },
        blindChallenge: { guard: 'mayChallenge', target: 'blindChallenged', actions: 'openBlind' },
        deadline: { target: 'settled' },
      },
    },
    challenged: {
      on: {
        resolveChallenge: [
          { guard: 'upholdsClients', target: 'refunded', actions: { type: 'refund', params: { reason: 'challengeUpheld' } } },
          { guard: 'upholdsWorkers', target: 'ranked', actions: ['overrule', 'closeChallenge', 'openClaim'] },
          { target: 'ranked', actions: ['closeChallenge', 'openClaim'] },
        ],
        // A challenge nobody resolved in time lapses as rejected.
        deadline: { target: 'ranked', actions: ['closeChallenge', 'openClaim'] },
      },
    },
    blindChallenged: {
      on: {
        blindVerdict: [
          { guard: 'blindQuorumUpholds', target: 'refunded', actions: ['closeBlind', { type: 'refund', params: { reason: 'blindChallengeUpheld' } }] },
          { guard: 'blindQuorumRejects', target: 'ranked', actions: ['closeBlind', 'openClaim'] },
          { actions: 'addVerdict' },
        ],
        // No quorum by the blind window: the reward goes back to the client, the ranking stands.
        deadline: { target: 'ranked', actions: ['closeBlind', 'openClaim'] },
      },
    },
    settled: { type: 'final' },
    refunded: { type: 'final' },
  },
});

export type JobState = 'requested' | 'accepted' | 'running' | 'ranking' | 'ranked' | 'challenged' | 'blindChallenged' | 'settled' | 'refunded';

/** How many verdicts of the open blind challenge say `uphold`. */
function verdictsOf(context: JobContext, uphold: boolean): number {
  let count = 0;
  for (const verdict of Object.values(context.blind?.verdicts ?? {})) if (verdict === uphold) count += 1;
  return count;
}
