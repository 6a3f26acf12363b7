import type { Chain } from '../../actors/index.ts';
import { readModelDifferences, snapshotReadModels, type ReadModelDifference } from '../../projections/index.ts';
import type { NodeSnapshot } from '../node/index.ts';
import type { Mismatch } from './mismatchList.ts';

// Differences listed per snapshot; the first few say where a tampered or diverged fold went wrong.
const readModelDifferencesMax = 10;
const valueCharsMax = 80;

const short = (value: unknown): string => {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > valueCharsMax ? `${text.slice(0, valueCharsMax)}…` : text;
};

/** "reputation of node 0x… in job ab12…, field rating" and the like. */
function placeOf({ part, job, node, field }: ReadModelDifference): string {
  const parts = [part === 'reputation' ? 'the reputation' : part === 'dashboard' ? 'the dashboard' : 'the explain index'];
  if (node !== undefined) parts.push(`of node ${node}`);
  if (job !== undefined) parts.push(`${node === undefined ? 'of' : 'in'} job ${job.slice(0, 16)}…`);
  return parts.join(' ') + (field === undefined ? '' : `, field ${field}`);
}

/**
 * What a node's snapshot at the chain's height says that the replay does not: the block, state root
 * and cutter offset (`snapshot`), then its reputation, dashboard and explain read models, compared as
 * canonical JSON and located by part, job, node and field (`readModels`).
 */
export function snapshotMismatches(snapshot: NodeSnapshot, chain: Chain): Mismatch[] {
  const { height } = chain.ledger;
  const { prevHash: blockHash, lastOffset } = chain.position;
  const root = chain.ledger.tree.root();
  const found: Mismatch[] = [];
  if (snapshot.blockHash !== blockHash || snapshot.ledger?.state?.root !== root || snapshot.position?.lastOffset !== lastOffset) {
    found.push({
      kind: 'snapshot',
      height,
      message: `The node's snapshot at height ${height} records block ${String(snapshot.blockHash).slice(0, 16)}… with state root ${String(snapshot.ledger?.state?.root).slice(0, 16)}…; the replay gives block ${blockHash.slice(0, 16)}… with state root ${root.slice(0, 16)}….`,
    });
  }
  if (snapshot.projections === undefined) {
    found.push({
      kind: 'readModels',
      height,
      message: `The node's snapshot at height ${height} holds no reputation and dashboard read models (written by an older node, or removed), so they cannot be compared; a node restarting skips it.`,
    });
    return found;
  }
  for (const difference of readModelDifferences(snapshotReadModels(chain.readModels), snapshot.projections, readModelDifferencesMax)) {
    const { part, job, node, field } = difference;
    found.push({
      kind: 'readModels',
      height,
      readModel: { part, ...(job === undefined ? {} : { job }), ...(node === undefined ? {} : { node }), ...(field === undefined ? {} : { field }) },
      message: `The node's snapshot at height ${height} has ${short(difference.found)} for ${placeOf(difference)}; the replay gives ${short(difference.expected)}.`,
    });
  }
  return found;
}
