import { z } from 'zod';
import { JobRole } from '../ops/index.ts';
import { Address, Amount, Hash, Uint } from '../primitives/index.ts';

/** A whole number of AIN that may be below zero (a node's profitability), as a decimal string. */
const SignedAmount = z.string().regex(/^(0|-?[1-9][0-9]{0,38})$/, { message: 'must be a whole number written as a decimal string, e.g. "-3"' });
const ms = Uint;

/** Request → settlement latency of one job, in block time. */
export const LatencyStats = z.strictObject({
  count: Uint,
  sumMs: ms,
  minMs: ms.nullable(),
  maxMs: ms.nullable(),
  /** Nearest-rank percentiles over `samplesMs`, the last `latencySamplesMax` latencies. */
  p50Ms: ms.nullable(),
  p95Ms: ms.nullable(),
  p99Ms: ms.nullable(),
  samplesMs: z.array(ms),
});
export type LatencyStats = z.infer<typeof LatencyStats>;

/** Statistics of one job as the dashboard fold keeps them (projections/dashboard): its queue, nodes, throughput, latency and payouts. */
export const JobDashboard = z.strictObject({
  admin: Address.nullable(),
  requests: Uint,
  /** The queue: requested and not yet settled or refunded. */
  openRequests: Uint,
  settled: Uint,
  refunded: Uint,
  /** Challenges raised, by the client or a worker, blind ones included. */
  challenged: Uint,
  /** Approved and not dropped, by role. */
  admins: Uint,
  evaluators: Uint,
  workers: Uint,
  /** Nodes whose latest status is dropped (any role). */
  dropped: Uint,
  /** Distinct workers accepted on at least one open request. */
  workersBusy: Uint,
  /** Settlements per minute of block time over the last `throughputWindowMs` before `timeMs`. */
  throughputPerMinute: z.number().nonnegative(),
  latency: LatencyStats,
  /** Decimal strings of whole AIN. */
  rewardsPaid: Amount,
  feesPaid: Amount,
  members: z.record(Address, z.strictObject({ role: JobRole, status: z.enum(['approved', 'dropped']) })),
  /** Open requests → the workers accepted on them, in order. */
  open: z.record(Hash, z.array(Address)),
  /** Worker → how many open requests it is accepted on (only while > 0). */
  busy: z.record(Address, Uint),
  /** Recent settlements as [block time, count], ascending, at most `settlementTimesMax`. */
  settlements: z.array(z.tuple([ms, Uint])),
  /** The version of the job's binaries in force, once it published any. */
  binaryVersion: Uint.optional(),
});
export type JobDashboard = z.infer<typeof JobDashboard>;

/** A job's dashboard without its bounded internals (samples, members, open requests): what the API and streams show. */
export const JobDashboardView = JobDashboard.omit({ members: true, open: true, busy: true, settlements: true, latency: true }).extend({
  latency: LatencyStats.omit({ samplesMs: true }),
});
export type JobDashboardView = z.infer<typeof JobDashboardView>;

/**
 * What one node earned and lost across all jobs, as decimal strings of whole AIN.
 * `earned` = rewards + fees + challenge fees + deposits won (forfeited by an evaluator to it);
 * `profitability` = earned − deposits lost (its own deposits, forfeited to someone else) − fees
 * paid (as a client: the job's fee on each settlement and a blind challenge's reward; as a client
 * or worker: the fee of each challenge it lost). A blind challenge's reward counts as the judging
 * admins' challenge fees.
 */
export const NodeDashboard = z.strictObject({
  rewardsEarned: Amount,
  feesEarned: Amount,
  challengeFeesEarned: Amount,
  depositsWon: Amount,
  depositsLost: Amount,
  /** Absent in snapshots written before fees paid were counted (read as 0). */
  feesPaid: Amount.optional(),
  earned: Amount,
  profitability: SignedAmount,
});
export type NodeDashboard = z.infer<typeof NodeDashboard>;
