import type { StateTree } from '../../projections/index.ts';
import { jobPaths } from './jobStore.ts';
import { readNode } from './nodeOps.ts';

/** The deepest approval chain walked above a node; a deeper one counts as inside any branch (never eligible), not as an error. */
export const adminDepthMax = 256;

/** The admins above a node in a job's admin tree, nearest first (its parent … the job's root admin); `whole` false past `adminDepthMax`. */
function ancestorsOf(tree: StateTree, job: string, node: string): { chain: string[]; whole: boolean } {
  const chain: string[] = [];
  let parent = readNode(tree, job, node)?.context.parent ?? null;
  while (parent !== null) {
    if (chain.length === adminDepthMax) return { chain, whole: false };
    chain.push(parent);
    parent = readNode(tree, job, parent)?.context.parent ?? null;
  }
  return { chain, whole: true };
}

/**
 * The evaluator's branch of a job's admin tree: every admin above it (its parent … the job's
 * root admin), and every admin below `top`, the admin of that chain just under the root (none
 * when the root approved the evaluator itself). Admins of other branches are the "other admins"
 * a blind challenge asks: none of them approved the evaluator, nor was approved by one who did.
 */
export interface EvaluatorBranch {
  readonly above: ReadonlySet<string>;
  readonly top: string | null;
  /** False when the chain above the evaluator is deeper than `adminDepthMax`: then no admin is outside. */
  readonly whole: boolean;
}

export function evaluatorBranchOf(tree: StateTree, job: string, evaluator: string): EvaluatorBranch {
  const { chain, whole } = ancestorsOf(tree, job, evaluator);
  return { above: new Set(chain), top: chain.length >= 2 ? chain[chain.length - 2]! : null, whole };
}

/** Whether `admin` is in the evaluator's branch. */
export function isInBranch(tree: StateTree, job: string, branch: EvaluatorBranch, admin: string): boolean {
  if (!branch.whole || branch.above.has(admin)) return true;
  if (branch.top === null) return false;
  const { chain, whole } = ancestorsOf(tree, job, admin);
  return !whole || chain.includes(branch.top);
}

/**
 * How many admins may judge a blind challenge of a request's ranking: approved admins of the job
 * outside the evaluator's branch, other than the client. Reads every node of the job once (a
 * blind challenge is rare, and its client pays for it).
 */
export function countEligibleAdmins(tree: StateTree, job: string, branch: EvaluatorBranch, client: string): number {
  let eligible = 0;
  for (const address of tree.keys(jobPaths.nodesOf(job))) {
    const node = readNode(tree, job, address);
    if (node === null || node.state !== 'approved' || node.context.role !== 'admin' || address === client) continue;
    if (!isInBranch(tree, job, branch, address)) eligible += 1;
  }
  return eligible;
}
