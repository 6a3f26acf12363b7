import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { AinError, BlockHeader, Hash, HealthAnswer, safeParse, Uint } from '../../schemas/index.ts';
import { callNode } from './nodeClient.ts';
import { problemsOf, saidBy } from './nodeProblems.ts';

/** `GET /v1/blocks/<height>` as far as a check needs it: the block's hash, its header, and the final block as of the latest. */
export const HeldBlock = z.object({ hash: Hash, header: BlockHeader, finalized: z.object({ height: Uint }) });

/**
 * The node's final height as `GET /v1/health` gives it: on a network of validators the newest
 * block it holds a certificate of, which its latest block's `finalized` names only once a later
 * block records it (on an idle chain, not for a while).
 */
async function finalHeight(nodeUrl: string): Promise<number> {
  const parsed = safeParse(HealthAnswer, await callNode(nodeUrl, 'GET', '/v1/health'));
  if (!parsed.success)
    throw new AinError('NODE_UNREACHABLE', `${nodeUrl} answered GET /v1/health with something that is not an ain node's health; is it an ain node?`);
  return parsed.data.finalized;
}

/**
 * Waits until block `height` is final on the node (its final height reaches it),
 * asking every 100 ms until `deadlineMs`; resolves with that final height. NOT_FINAL with
 * `notFinal(final)` as its sentence when the deadline comes first, and what the node's health
 * says stops finality after it.
 * @example const finalized = await untilFinal(url, 12, Date.now() + 10_000, (f) => `Block 12 is not final yet (final: ${f}).`)
 */
export async function untilFinal(nodeUrl: string, height: number, deadlineMs: number, notFinal: (final: number) => string): Promise<number> {
  let final = await finalHeight(nodeUrl);
  while (final < height) {
    if (Date.now() + 100 > deadlineMs) {
      // What the node says stops finality (a validator down, its brokers gone), after the sentence.
      const problems = await problemsOf(nodeUrl, ['LOG_UNAVAILABLE', 'CONSENSUS_STALLED', 'FINALITY_STALLED']);
      throw new AinError('NOT_FINAL', `${notFinal(final)}${saidBy(problems)}`, problems.length === 0 ? {} : { details: { problems } });
    }
    await sleep(100);
    final = await finalHeight(nodeUrl);
  }
  return final;
}
