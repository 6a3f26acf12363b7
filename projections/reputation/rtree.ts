import { ownEntry as own } from '../dict/index.ts';
import type { NodeReputation, ReputationState } from './reputationState.ts';

/**
 * The admin that approved `node` in `job`: its parent in the Reputation Tree (RTree). `null` for
 * the job's root admin and for a node the job never approved.
 * @example parentOf(reputation, jobId, worker) // '0xadmin…'
 */
export function parentOf(state: ReputationState, job: string, node: string): string | null {
  return nodeIn(state, job, node)?.parent ?? null;
}

/**
 * The nodes `node` approved in `job`, ascending (a copy). Dropped children stay listed: the drop
 * shows in their own `status` and `drops`.
 * @example childrenOf(reputation, jobId, admin) // ['0xevaluator…', '0xworker…']
 */
export function childrenOf(state: ReputationState, job: string, node: string): string[] {
  return [...(nodeIn(state, job, node)?.children ?? [])];
}

/** One job's reputation of a node, with the job's id. */
export interface JobReputationEntry extends NodeReputation {
  job: string;
}

/**
 * A node's reputation in every job it took part in, by ascending job id (copies).
 * @example reputationOf(reputation, worker).map((e) => `${e.job}: ${e.rating}`)
 */
export function reputationOf(state: ReputationState, node: string): JobReputationEntry[] {
  const entries: JobReputationEntry[] = [];
  for (const job of Object.keys(state.jobs).sort()) {
    const entry = nodeIn(state, job, node);
    if (entry !== undefined) entries.push({ job, ...entry, children: [...entry.children] });
  }
  return entries;
}

function nodeIn(state: ReputationState, job: string, node: string): NodeReputation | undefined {
  const nodes = own(state.jobs, job)?.nodes;
  return nodes === undefined ? undefined : own(nodes, node);
}
