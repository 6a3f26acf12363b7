import { z } from 'zod';
import { JobRole } from '../ops/index.ts';
import { Address, Hash, Uint } from '../primitives/index.ts';

const ratio = z.number().min(0).max(1).nullable();

/**
 * What one node did in one job, as the reputation fold counts it (projections/reputation): the
 * fold's state, its snapshots and the `reputation` stream's entries. Ratios and the rating are
 * rounded to `ratingDecimals`, and are `null` while undefined (no submission yet).
 */
export const NodeReputation = z.strictObject({
  /** The role it applied or was approved for; `null` for a node seen only as a client. */
  role: JobRole.nullable(),
  status: z.enum(['applied', 'approved', 'dropped']).nullable(),
  /** The admin that approved it: its parent in the RTree (`null` for the job's root admin). */
  parent: Address.nullable(),
  /** The nodes it approved, ascending; a drop does not cut the edge (see the child's `status`). */
  children: z.array(Address),
  /** Worker: settled requests it was paid a reward on. Evaluator: settled requests it evaluated. */
  jobsDone: Uint,
  accepted: Uint,
  submitted: Uint,
  /** Results paid a reward (a worker's accepted results). */
  paid: Uint,
  /** Results left `unpaid` at settlement, or on a request refunded because a challenge was upheld. */
  rejected: Uint,
  /** paid / submitted. */
  acceptanceRatio: ratio,
  /** rejected / submitted. */
  rejectionRatio: ratio,
  responseMsTotal: Uint,
  responseMsAverage: z.number().nonnegative().nullable(),
  /** Evaluator: challenges (and blind challenges) rejected. Client or worker: its challenges upheld. */
  challengesWon: Uint,
  /** Evaluator: challenges (and blind challenges) upheld against it. Client or worker: its challenges rejected. */
  challengesLost: Uint,
  /**
   * Worker: times its rejected challenges in the job reached a multiple of the genesis's
   * `challengeStrikes`, each costing it the Elo K factor of rating; absent until the first.
   */
  challengePenalties: Uint.optional(),
  drops: Uint,
  /** Requests whose client turned it away (rejectWorker); absent in snapshots written before it was counted. */
  rejectedByClients: Uint.optional(),
  /** Elo rating among the job's workers. */
  rating: z.number(),
  /** Pairs of workers it was ranked in (Elo games). */
  games: Uint,
});
export type NodeReputation = z.infer<typeof NodeReputation>;

/** One (job, node) entry of the `reputation` stream: the node's reputation in that job after the block. */
export const ReputationEntry = NodeReputation.extend({ job: Hash, node: Address });
export type ReputationEntry = z.infer<typeof ReputationEntry>;
