import { budgetFor, type BandwidthPool, type BandwidthRules, type StateTree } from '../../projections/index.ts';
import type { Op } from '../../schemas/index.ts';
import { jobPaths } from './jobStore.ts';
import { readRequest } from './requestOps.ts';

/**
 * The FAQ: "a job can allocate some tokens to secure bandwidth it requires". A request that
 * locked AIN (`requestJob.bandwidth`) gives its client, evaluator and accepted workers a pool of
 * `locked / ainPerTx` txs per window, for their txs about it once their own budgets are used up,
 * for as long as the request is open. Its use is kept at `/jobs/bandwidth/<request>`: `"<window>:<used>"`.
 */
const requestBandwidthLabels = (request: string): string[] => jobPaths.bandwidth(request).slice(1).split('/');

/** The pool `from` may draw on for `op`: its request's, when it locked some and `from` takes part in it; else null. */
export function requestBandwidthPool(tree: StateTree, rules: BandwidthRules, from: string, op: Op): BandwidthPool | null {
  const request = (op as { request_id?: unknown }).request_id;
  if (typeof request !== 'string') return null;
  const persisted = readRequest(tree, request);
  if (persisted === null || persisted.state === 'settled' || persisted.state === 'refunded') return null;
  const { bandwidth, client, evaluator, workers } = persisted.context;
  if (bandwidth === undefined) return null;
  if (from !== client && from !== evaluator && workers[from] === undefined) return null;
  return { labels: requestBandwidthLabels(request), budget: budgetFor(rules, BigInt(bandwidth), 0) };
}
