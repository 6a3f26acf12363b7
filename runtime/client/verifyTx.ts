import { blockHashOf, canonicalJson, verifyTxProof } from '../../log/index.ts';
import { AinError, safeParse, TxAnswer } from '../../schemas/index.ts';
import { HeldBlock, untilFinal } from './finalBlocks.ts';
import { callNode } from './nodeClient.ts';
import { waitForTx } from './txApi.ts';

export interface VerifyTxOptions {
  /** How long to wait for the tx's block, then for it to be final (clock time). */
  readonly waitMs?: number;
}

/** What `verifyTx` checked: the tx, its place, its outcome, and the final block that holds them. */
export interface VerifiedTx {
  readonly hash: string;
  readonly height: number;
  readonly index: number;
  readonly size: number;
  readonly outcome: { readonly code: string; readonly message?: string };
  readonly blockHash: string;
  readonly txRoot: string;
  readonly outcomeRoot: string;
  /** The final height when it was checked (at least `height`). */
  readonly finalized: number;
}

const invalid = (hash: string, why: string) =>
  new AinError('PROOF_INVALID', `The node's proof of tx ${hash.slice(0, 16)}… does not check: ${why}. Do not trust its answer; ask another node.`, {
    details: { hash },
  });

/**
 * Fetches a tx with its inclusion proof, waits until its block is final, fetches that block's
 * header and checks everything here: the header hashes to the block's hash, the proof's header is
 * that one, and the proof leads from the tx (and from its outcome) to the header's `txRoot` (and
 * `outcomeRoot`). Throws PROOF_INVALID when any of it fails, NOT_FINAL when the block is not final
 * in time, NOT_FOUND when the tx is in no block, TX_DROPPED when the node dropped it (a later nonce
 * of its sender landed first).
 * @example const { height, outcome } = await verifyTx('http://127.0.0.1:8080', hash)
 */
export async function verifyTx(nodeUrl: string, hash: string, { waitMs = 10_000 }: VerifyTxOptions = {}): Promise<VerifiedTx> {
  const deadlineMs = Date.now() + waitMs;
  const parsed = safeParse(TxAnswer, await waitForTx(nodeUrl, hash, deadlineMs));
  if (!parsed.success) throw invalid(hash, `its answer is not a tx with a proof (${parsed.error.issues[0]?.message ?? 'malformed'})`);
  const answer = parsed.data;
  if (answer.hash !== hash) throw invalid(hash, `it answered for another tx, ${answer.hash}`);
  if (answer.proof.index !== answer.index) throw invalid(hash, `the proof is for record ${answer.proof.index}, the answer says ${answer.index}`);
  const finalized = await untilFinal(
    nodeUrl,
    answer.height,
    deadlineMs,
    (final) => `Block ${answer.height} of tx ${hash.slice(0, 16)}… is not final yet (final: ${final}); retry shortly.`,
  );
  const held = safeParse(HeldBlock, await callNode(nodeUrl, 'GET', `/v1/blocks/${answer.height}`));
  if (!held.success) throw invalid(hash, `block ${answer.height} came without a header`);
  const { hash: blockHash, header } = held.data;
  if (blockHashOf(header) !== blockHash) throw invalid(hash, `block ${answer.height}'s header does not hash to the block's hash`);
  if (answer.blockHash !== blockHash || canonicalJson(answer.header) !== canonicalJson(header)) {
    throw invalid(hash, `the header it proves against is not block ${answer.height}'s`);
  }
  const problem = verifyTxProof(hash, answer.outcome.code, answer.proof, header);
  if (problem === 'txRoot') throw invalid(hash, `its path does not lead from the tx to block ${answer.height}'s txRoot`);
  if (problem === 'outcomeRoot') throw invalid(hash, `its outcome ${answer.outcome.code} is not the one block ${answer.height}'s outcomeRoot commits to`);
  const { index, size } = answer.proof;
  return { hash, height: answer.height, index, size, outcome: answer.outcome, blockHash, txRoot: header.txRoot, outcomeRoot: header.outcomeRoot, finalized };
}
