import { blockHashOf } from '../../log/index.ts';
import { verifyProof, verifyShardProof, type ShardProofAnswer, type StateProof } from '../../projections/index.ts';
import { AinError, ProofAnswer, safeParse, type ProofKind } from '../../schemas/index.ts';
import { HeldBlock, untilFinal } from './finalBlocks.ts';
import { callNode } from './nodeClient.ts';

export interface VerifyStateOptions {
  readonly kind?: ProofKind;
  /** The node's own shard: the value is checked through its parent too (`GET /v1/proof?shard=`). */
  readonly shard?: string;
  /**
   * With `shard`: the parent node to read the block the chain rests on from. Without it, the one
   * the answer names: the shard's node is then trusted to name a real parent.
   */
  readonly parentUrl?: string;
}

/** What `verifyState` checked: the value, the block whose state root it is proven against, and with `shard` the parent block that certifies it. */
export interface VerifiedState {
  readonly path: string;
  readonly kind: ProofKind;
  readonly value: unknown;
  readonly height: number;
  readonly hash: string;
  readonly stateRoot: string;
  readonly parent?: { readonly url: string; readonly height: number; readonly hash: string; readonly finalized: number };
}

/** How long the parent block a chain rests on may take to be final on the parent node. */
const finalWaitMs = 10_000;

const invalid = (path: string, why: string) =>
  new AinError('PROOF_INVALID', `The proof of ${path} does not check: ${why}. Do not trust the answer; ask another node.`, { details: { path } });

/**
 * Reads a value of the state tree with its Merkle proof and checks it here: the proof leads from
 * the value to the header's `stateRoot`, and the header hashes to the block's hash. With `shard`
 * (asked of a node of that shard) the answer's chain to the parent is checked too
 * (`verifyShardProof`: a block of that shard), and the parent block it rests on is read from the
 * parent node (`parentUrl`, else the one the answer names): its header must hash to the block the
 * chain names, with the state root the record was proven against, and be final there.
 * PROOF_INVALID when anything does not check.
 * @example const { value, parent } = await verifyState('http://127.0.0.1:8180', '/apps/x/n', { shard: '/apps/x' })
 */
export async function verifyState(nodeUrl: string, path: string, { kind = 'values', shard, parentUrl }: VerifyStateOptions = {}): Promise<VerifiedState> {
  const query = new URLSearchParams({ kind, ...(shard === undefined ? {} : { shard }) });
  const raw = await callNode(nodeUrl, 'GET', `/v1/proof${path === '/' ? '/' : path}?${query.toString()}`);
  const parsed = safeParse(ProofAnswer, raw);
  if (!parsed.success) throw invalid(path, `the answer is not a proof (${parsed.error.issues[0]?.message ?? 'malformed'})`);
  const answer = parsed.data;
  if (answer.path !== path || answer.kind !== kind) throw invalid(path, `the answer is for ${answer.kind} of ${answer.path}`);
  if (blockHashOf(answer.header) !== answer.hash) throw invalid(path, `the header does not hash to block ${answer.height}'s hash`);
  if (!verifyProof(answer.header.stateRoot, path, answer.value, answer.proof as StateProof)) {
    throw invalid(path, `it does not lead to block ${answer.height}'s stateRoot`);
  }
  const verified = { path, kind, value: answer.value, height: answer.height, hash: answer.hash, stateRoot: answer.header.stateRoot };
  if (shard === undefined) return verified;
  const chained = verifyShardProof(answer as unknown as ShardProofAnswer, shard);
  if (!chained.ok) throw invalid(path, `through the parent: ${chained.why}`);
  const url = parentUrl ?? answer.parent!.url;
  const held = safeParse(HeldBlock, await callNode(url, 'GET', `/v1/blocks/${chained.parentHeight}`));
  if (!held.success) throw invalid(path, `the parent ${url} gave block ${chained.parentHeight} without a header`);
  const { hash, header } = held.data;
  if (blockHashOf(header) !== hash || hash !== chained.parentHash || header.stateRoot !== chained.parentStateRoot) {
    throw invalid(path, `the parent ${url} holds another block ${chained.parentHeight} than the one the chain rests on`);
  }
  // Final as the parent node says now: its final height (GET /v1/health).
  const final = await untilFinal(
    url,
    chained.parentHeight,
    Date.now() + finalWaitMs,
    (f) => `Parent block ${chained.parentHeight} is not final on ${url} yet (final: ${f}); retry shortly.`,
  );
  return { ...verified, parent: { url, height: chained.parentHeight, hash, finalized: final } };
}
