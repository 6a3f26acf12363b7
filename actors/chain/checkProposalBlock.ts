import { checkTxTexts, merkleRoot, proposalHashOf, recordFromSignedBytes, recordsRootOf, type VerifiedTx } from '../../log/index.ts';
import { certificateProblem } from '../../projections/index.ts';
import {
  fromZodError,
  maxProposedBlockBytes,
  maxProposedTxBytes,
  ProposedBlock,
  safeParse,
  type Refusal,
  type Tx,
  type ValidatorSet,
} from '../../schemas/index.ts';

/** What a validator knows when it judges a proposed block for the next height. */
export interface ProposalContext {
  readonly chain: string;
  readonly shard: string;
  /** The chain's genesis hash, which the votes of its commit sign. */
  readonly genesis: string;
  /** The height being decided, and the last block's hash and time (the block cutter's position). */
  readonly height: number;
  readonly prevHash: string;
  readonly prevTime: number;
  /** The validator's own state root after the last block (the genesis state root before block 1). */
  readonly lastRoot: string;
  /** Who signed the proposal (the proposer of the height and round, checked by the caller). */
  readonly proposer: string;
  /** The validator's clock, and how far ahead of it a block's time may be. */
  readonly nowMs: number;
  readonly clockDriftMs: number;
  /** The chain's block limits (genesis `block`). */
  readonly maxTxs: number;
  readonly maxBytes: number;
  /** The last block: the proposal hash decided for it and the set that voted on it (null at height 1). */
  readonly previous: { readonly hash: string; readonly validators: ValidatorSet } | null;
  /** Records already checked whole (signature included, and canonical), by their text, e.g. the mempool's: not checked again. */
  readonly verified?: ReadonlyMap<string, VerifiedTx>;
  /**
   * The proposer's last nonce in the ledger: its commit must be signed above it, or the ledger
   * refuses it (BAD_NONCE) and the last block's certificate goes unrecorded. Unchecked when absent.
   */
  readonly proposerNonce?: number;
}

/** Which rule a proposed block broke. */
export type ProposalProblem =
  'schema' | 'header' | 'hash' | 'time' | 'size' | 'recordsRoot' | 'record' | 'txRoot' | 'commit' | 'evidence' | 'cut' | 'certificate';

/** A refused proposal: BAD_PROPOSAL, what is wrong in a sentence, and which rule (and record) in `details`. */
export interface ProposalRefusal extends Refusal {
  readonly details: { readonly problem: ProposalProblem; readonly index?: number };
}

const refuseProposal = (problem: ProposalProblem, sentence: string, index?: number): ProposalRefusal => ({
  code: 'BAD_PROPOSAL',
  message: `The proposed block is not valid: ${sentence.replace(/\.$/, '')}.`,
  details: index === undefined ? { problem } : { problem, index },
});

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * Whether a validator may prevote a proposed block (null) or why not: its header is the next
 * block of this chain by this proposer on this state root, its hash is its header's, its time
 * after the last block's and not ahead of the validator's clock by more than the drift; its
 * records fit the block limits so that the block cutter closes the block exactly at its cut, their
 * bytes hash to its recordsRoot, each passes the record check every path runs and is canonical,
 * their tx hashes' root is the txRoot; the first is the proposer's `commit` of a certificate for
 * the last block (from height 2), the last its `cut` for this height at the block's time,
 * `evidence` records are the proposer's and come right after the commit (the ledger judges what
 * they prove), and no other record is a cut, commit or attest.
 * Cheap checks first; signatures are verified once each. Pure: the clock is in the context.
 * @example const refusal = checkProposalBlock(proposal.block, context); if (refusal === null) prevote(proposal.block.hash)
 */
export function checkProposalBlock(input: unknown, context: ProposalContext): ProposalRefusal | null {
  const parsed = safeParse(ProposedBlock, input);
  if (!parsed.success) return refuseProposal('schema', fromZodError(parsed.error, 'block').message);
  const block = parsed.data;
  const { header, records } = block;
  return (
    headerProblem(block, context) ??
    sizeProblem(block, context) ??
    (recordsRootOf(records, (text) => context.verified?.get(text)?.ref) === header.recordsRoot
      ? null
      : refuseProposal('recordsRoot', 'its recordsRoot is not the Merkle root of its records’ bytes')) ??
    recordsProblem(records, header.time, context, (hashes) =>
      merkleRoot(hashes) === header.txRoot ? null : refuseProposal('txRoot', 'its txRoot is not the Merkle root of its records'),
    )
  );
}

function headerProblem({ hash, header }: ProposedBlock, context: ProposalContext): ProposalRefusal | null {
  for (const field of ['chain', 'shard', 'height', 'prevHash', 'lastRoot', 'proposer'] as const) {
    if (header[field] !== context[field]) {
      return refuseProposal('header', `its header's ${field} is ${String(header[field])}, but this validator expects ${String(context[field])}`);
    }
  }
  if (hash !== proposalHashOf(header)) return refuseProposal('hash', 'its hash is not the hash of its header');
  if (header.time <= context.prevTime) return refuseProposal('time', `its time ${header.time} is not after the last block's (${context.prevTime})`);
  if (header.time > context.nowMs + context.clockDriftMs) {
    return refuseProposal('time', `its time ${header.time} is more than ${context.clockDriftMs} ms ahead of this validator's clock (${context.nowMs})`);
  }
  return null;
}

function sizeProblem(block: ProposedBlock, context: ProposalContext): ProposalRefusal | null {
  const { records } = block;
  const fixed = context.height === 1 ? 1 : 2;
  if (records.length < fixed) return refuseProposal('size', `it has ${records.length} records; block ${context.height} needs at least ${fixed}`);
  if (records.length > context.maxTxs) return refuseProposal('size', `it has ${records.length} records, more than the chain's maxTxs (${context.maxTxs})`);
  let bytes = 0;
  for (let i = 0; i < records.length - 1; i++) bytes += utf8Bytes(records[i]!);
  if (bytes >= context.maxBytes) {
    return refuseProposal(
      'size',
      `its records before the cut take ${bytes} bytes, not under the chain's maxBytes (${context.maxBytes}): the block would close before its cut`,
    );
  }
  const jsonBytes = utf8Bytes(JSON.stringify(block));
  if (jsonBytes > maxProposedBlockBytes)
    return refuseProposal('size', `its JSON takes ${jsonBytes} bytes, more than a gossip message carries (${maxProposedBlockBytes})`);
  return null;
}

/** Each record checked (or taken from `verified`), in order; null where it failed. */
function verifiedRecords(records: readonly string[], context: ProposalContext): (VerifiedTx | Refusal)[] {
  const verified = context.verified;
  const unknown = verified === undefined ? records : records.filter((text) => !verified.has(text));
  const checked = checkTxTexts(unknown, { chain: context.chain, shard: context.shard, maxTxBytes: maxProposedTxBytes });
  return records.map((text) => verified?.get(text) ?? checked.next().value!);
}

function recordsProblem(
  records: readonly string[],
  time: number,
  context: ProposalContext,
  rootProblem: (hashes: readonly string[]) => ProposalRefusal | null,
): ProposalRefusal | null {
  const last = records.length - 1;
  const hasCommit = context.height > 1;
  const hashes: string[] = [];
  const verdicts = verifiedRecords(records, context);
  let othersSeen = false; // a record other than the commit and evidence: evidence may no longer come
  for (const [index, verdict] of verdicts.entries()) {
    if (!('hash' in verdict)) return refuseProposal('record', `record ${index} is refused: ${verdict.code}: ${verdict.message}`, index);
    // A record given as verified was checked whole before (its bytes are the canonical record held); the others are rebuilt and compared.
    if (context.verified?.get(records[index]!) !== verdict && records[index] !== recordFromSignedBytes(verdict.signedBytes, verdict.tx.sig).toString('utf8')) {
      return refuseProposal('record', `record ${index} is not the canonical JSON of its tx`, index);
    }
    // A held tx's type is known without parsing it (most records of a block).
    const type = verdict.type ?? verdict.tx.op.type;
    const isCommit = index === 0 && hasCommit;
    if (index !== last && !isCommit && (type === 'cut' || type === 'commit' || type === 'attest')) {
      return refuseProposal('record', `record ${index} is a ${type}, which only the proposer's first or last record may be`, index);
    }
    if (type === 'evidence') {
      if (verdict.tx.from !== context.proposer) return refuseProposal('evidence', `record ${index} is evidence not signed by the proposer`, index);
      if (othersSeen) {
        return refuseProposal('evidence', `record ${index} is evidence after other txs; evidence comes right after the commit`, index);
      }
    } else if (!isCommit) othersSeen = true;
    hashes.push(verdict.hash);
  }
  // Every record passed above, so each verdict is a tx.
  const txAt = (index: number) => (verdicts[index] as VerifiedTx).tx;
  const cut = txAt(last);
  if (cut.op.type !== 'cut' || cut.from !== context.proposer || cut.op.height !== context.height || cut.time !== time) {
    return refuseProposal('cut', `its last record is not the proposer's cut for block ${context.height} at the block's time`, last);
  }
  return rootProblem(hashes) ?? (hasCommit ? commitProblem(txAt(0), context) : null);
}

function commitProblem(tx: Tx, context: ProposalContext): ProposalRefusal | null {
  if (tx.op.type !== 'commit' || tx.from !== context.proposer) {
    return refuseProposal('commit', `its first record is not the proposer's commit of block ${context.height - 1}`, 0);
  }
  if (context.proposerNonce !== undefined && tx.nonce <= context.proposerNonce) {
    return refuseProposal(
      'commit',
      `its commit's nonce ${tx.nonce} is not above the proposer's last (${context.proposerNonce}): the ledger would refuse it, and block ${context.height - 1}'s certificate would go unrecorded`,
      0,
    );
  }
  const { previous } = context;
  if (previous === null) return refuseProposal('certificate', `this validator knows no decided block ${context.height - 1} to check the commit against`, 0);
  const powers = new Map(previous.validators.validators.map((v) => [v.address, BigInt(v.power)]));
  const problem = certificateProblem(tx.op.certificate, {
    chain: context.chain,
    shard: context.shard,
    genesis: context.genesis,
    height: context.height - 1,
    hash: previous.hash,
    powers,
  });
  return problem === null ? null : refuseProposal('certificate', problem, 0);
}
