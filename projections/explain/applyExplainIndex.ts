import type { TxRecord } from '../../log/index.ts';
import type { JobEvent } from '../../schemas/index.ts';
import { ownEntry as own, putEntry as put, removeEntry as remove } from '../dict/index.ts';
import type { Outcome } from '../state/index.ts';
import type { ExplainIndex, RefusedTx, RefusedTxs, RequestTimes } from './explainIndex.ts';

/** A refused tx and the request or job it names. */
export interface RefusedAbout {
  readonly subject: string;
  readonly refused: RefusedTx;
}

/**
 * The refused txs of a block that name a request (`request_id`) or a job (`job_id`), in block
 * order. A record that is not a tx names nothing.
 * @example refusedTxsOf({ height, time }, block.txs, result.outcomes)
 */
export function refusedTxsOf(
  block: { readonly height: number; readonly time: number },
  txs: readonly TxRecord[],
  outcomes: readonly Outcome[],
): RefusedAbout[] {
  const found: RefusedAbout[] = [];
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.code === 'ok') continue;
    const tx = txs[index]?.tx;
    if (tx === null || tx === undefined) continue;
    const op = tx.op as { readonly type: string; readonly request_id?: unknown; readonly job_id?: unknown; readonly role?: unknown };
    const subject = typeof op.request_id === 'string' ? op.request_id : typeof op.job_id === 'string' ? op.job_id : null;
    if (subject === null) continue;
    const role: Pick<RefusedTx, 'role'> = op.type === 'acceptJob' && (op.role === 'evaluator' || op.role === 'worker') ? { role: op.role } : {};
    found.push({
      subject,
      refused: { hash: txs[index]!.hash, height: block.height, index, time: block.time, from: tx.from, op: op.type, ...role, code: outcome.code },
    });
  }
  return found;
}

/**
 * Folds one block into the index, in place: its refused txs by the request or job they name
 * (the latest `refusalsMax` kept, all counted), and from its job events when requests began to
 * run and ended and which evaluators are on open requests. Pure and deterministic; folding a
 * chain's blocks in one call or several gives the same JSON.
 * @example applyExplainIndex(index, result.jobEvents, refusedTxsOf(header, txs, result.outcomes))
 */
export function applyExplainIndex(index: ExplainIndex, events: readonly JobEvent[], refused: readonly RefusedAbout[]): ExplainIndex {
  for (const { subject, refused: tx } of refused) {
    const entry = own(index.refused, subject) ?? put<RefusedTxs>(index.refused, subject, { count: 0, latest: [] });
    entry.count += 1;
    entry.latest.push(tx);
    if (entry.latest.length > index.refusalsMax) entry.latest.splice(0, entry.latest.length - index.refusalsMax);
  }
  for (const event of events) applyEvent(index, event);
  return index;
}

function applyEvent(index: ExplainIndex, event: JobEvent): void {
  switch (event.type) {
    case 'accepted': {
      if (event.role === 'worker') {
        const times = own(index.requests, event.request) ?? put<RequestTimes>(index.requests, event.request, {});
        times.runningAt ??= event.time;
        return;
      }
      const evaluators = own(index.evaluating, event.job) ?? put<Record<string, number>>(index.evaluating, event.job, {});
      put(evaluators, event.node, (own(evaluators, event.node) ?? 0) + 1);
      return;
    }
    case 'settled':
    case 'refunded': {
      const times = own(index.requests, event.request) ?? put<RequestTimes>(index.requests, event.request, {});
      times.endedAt = event.time;
      times.endedHeight = event.height;
      if (event.evaluator === null) return;
      const evaluators = own(index.evaluating, event.job);
      const count = evaluators === undefined ? undefined : own(evaluators, event.evaluator);
      if (evaluators === undefined || count === undefined) return;
      if (count > 1) put(evaluators, event.evaluator, count - 1);
      else {
        remove(evaluators, event.evaluator);
        if (Object.keys(evaluators).length === 0) remove(index.evaluating, event.job);
      }
      return;
    }
    default:
      return;
  }
}
