import { buildProposalBlock, checkProposalBlock, mayCut, type Chain, type ProposalContext } from '../../actors/index.ts';
import { decodeTxRecord, merkleRoot, proposalHashOf, recordsRootOf, sha256Hex, signedBytesOfRecord, type KeyPair, type VerifiedTx } from '../../log/index.ts';
import { certificateProblem, readNonce, readNotedProposal } from '../../projections/index.ts';
import {
  Address,
  Certificate,
  safeParse,
  Tx,
  type Evidence,
  type Genesis,
  type Proposal,
  type ProposalBlock,
  type ProposedBlock,
  type Refusal,
} from '../../schemas/index.ts';
import { peerJsonText } from '../net/index.ts';
import type { CommitStore } from './commitStore.ts';
import { compactBlock, type KnownRecord } from './compactBlocks.ts';
import { validatorSetAt, votingSetAt } from './validatorSets.ts';

/** Where a proposer takes txs from (the mempool): each with its hash and its log record. */
export interface ProposalSource {
  /** Txs waiting. */
  readonly size: number;
  /** Whether `take` would give a tx now (waiting is not enough: a tx after a nonce gap waits a while). */
  hasReady(): boolean;
  /** Whether it holds (so checked, signature included) the tx with this hash. */
  has(hash: string): boolean;
  /** The record it holds of the tx with this hash. */
  recordOf(hash: string): Uint8Array | undefined;
  /** The tx it holds whose record's SHA-256 (hex) is `ref` (compactBlocks.ts): its hash and record. */
  heldByRef?(ref: string): HeldTx | undefined;
  /** Txs for a block, each with its record's ref when the source knows it (a compact proposal names those by it). */
  take(options: {
    readonly maxTxs: number;
    readonly maxBytes: number;
  }): readonly { readonly hash: string; readonly record: Uint8Array; readonly ref?: string; readonly from: string; readonly nonce: number }[];
}

/** A tx a mempool holds: checked whole (signature included) when it came in. */
export interface HeldTx {
  readonly hash: string;
  /** Its canonical record. */
  readonly record: Uint8Array;
  /** Its op's type, when the holder kept it (a mempool does, and the verify threads say it): the check reads it without parsing the record. */
  readonly type?: string;
  /** The SHA-256 (hex) of `record`, when the holder kept it (a mempool does): not taken again for the block's recordsRoot. */
  readonly ref?: string;
}

export interface BlockLimits {
  readonly maxTxs: number;
  readonly maxBytes: number;
  /** How far ahead of a validator's clock a block's time may be. */
  readonly clockDriftMs: number;
}

interface ChainAt {
  readonly genesis: Genesis;
  readonly chain: Chain;
  readonly commits: CommitStore;
  readonly limits: BlockLimits;
}

// ignoreBOM: a leading U+FEFF stays in the text, so the text encodes back to the record's bytes.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * The block this node proposes at `height` (the chain's next): its commit of the last block's
 * certificate, its evidence of the equivocations given, the mempool's txs that fit, its cut. Null
 * when it lacks that certificate (a node restarted between appending a block and keeping its
 * certificate): another proposer's round comes.
 */
export function buildBlock(c: BuildContext): ProposedBlock | null {
  return proposeBlock(c)?.full ?? null;
}

type BuildContext = ChainAt & {
  readonly key: KeyPair;
  readonly mempool: ProposalSource;
  readonly height: number;
  readonly nonce: number;
  readonly nowMs: number;
  /** Equivocations to commit: they go in before the mempool's txs. */
  readonly evidence?: readonly Evidence[];
};

/**
 * The block this node proposes at `height` (buildBlock's), whole and as its proposal carries it:
 * each mempool tx named by its record's ref (compactBlocks.ts). Null as buildBlock is.
 */
export function proposeBlock(
  c: BuildContext,
): { readonly full: ProposedBlock; readonly compact: ProposedBlock; readonly held: ReadonlyMap<string, KnownRecord> } | null {
  const { chain, genesis, limits } = c;
  const certificate = c.height === 1 ? null : c.commits.get(c.height - 1);
  if (certificate === undefined) return null;
  const evidence = c.evidence ?? [];
  const taken = c.mempool.take({ maxTxs: Math.max(0, limits.maxTxs - 2 - evidence.length), maxBytes: limits.maxBytes });
  const texts = taken.map((tx) => utf8.decode(tx.record));
  const refs = new Map<string, string>();
  const held = new Map<string, KnownRecord>();
  taken.forEach((tx, i) => {
    if (tx.ref !== undefined) refs.set(texts[i]!, tx.ref);
    held.set(texts[i]!, tx);
  });
  const full = buildProposalBlock({
    key: c.key,
    chain: genesis.chain,
    shard: genesis.shard,
    position: chain.position,
    lastRoot: chain.ledger.tree.root(),
    certificate,
    evidence,
    txs: texts,
    hashes: taken.map((tx) => tx.hash),
    refOf: (text) => refs.get(text),
    senders: taken,
    nonce: c.nonce + 1,
    timeMs: c.nowMs,
    maxTxs: limits.maxTxs,
    maxBytes: limits.maxBytes,
  });
  return { full, compact: compactBlock(full, (text) => refs.get(text)), held };
}

/**
 * What a validator judges a block for the chain's next height against. `carried`: the certificate
 * of the last block that a decided block's own commit carries, taken when this node holds none of
 * its own (its log was cut back below the commit store's, say) and it names the proposal hash
 * this node's fold noted for its last block; it is then checked as any commit, for that block's
 * set. (The decided block's own certificate, checked against this node's last block hash and
 * state root, ties the block to this chain already.)
 */
function contextOf(c: ChainAt, height: number, proposer: string, nowMs: number, carried?: Certificate): ProposalContext | Refusal {
  const { chain, genesis, limits } = c;
  // Consensus picks proposers among all the stakes; the block cutter closes a block only at the
  // cut of one the ledger lets cut. A genesis that stakes addresses it does not name as proposers
  // keeps those apart: a block of such a proposer, decided, would never close, and the chain halt.
  if (!mayCut(chain.ledger, proposer)) {
    return {
      code: 'BAD_PROPOSAL',
      message: `Block ${height}'s proposer ${proposer} may not close a block on this chain: its genesis stakes addresses it does not name as proposers, and only those cut.`,
    };
  }
  let previous: ProposalContext['previous'] = null;
  if (height > 1) {
    // The carried one only for this node's own last block: the proposal hash its fold noted for it.
    const noted = readNotedProposal(chain.ledger.tree);
    const own = carried !== undefined && noted?.height === height - 1 && carried.height === noted.height && carried.hash === noted.hash;
    const certificate = c.commits.get(height - 1) ?? (own ? carried : undefined);
    if (certificate === undefined)
      return { code: 'BAD_PROPOSAL', message: `This node holds no certificate of block ${height - 1} to judge block ${height} by.` };
    const validators = votingSetAt(chain.ledger, height - 1);
    if (validators === null) return { code: 'BAD_PROPOSAL', message: `This node no longer keeps the validator set of block ${height - 1}.` };
    previous = { hash: certificate.hash, validators };
  }
  return {
    chain: genesis.chain,
    shard: genesis.shard,
    genesis: chain.ledger.genesisHash,
    height,
    prevHash: chain.position.prevHash,
    prevTime: chain.position.prevTime,
    lastRoot: chain.ledger.tree.root(),
    proposer,
    nowMs,
    clockDriftMs: limits.clockDriftMs,
    maxTxs: limits.maxTxs,
    maxBytes: limits.maxBytes,
    previous,
  };
}

/**
 * Who made the block of `proposal`: its signer, or for a block proposed again (`validRound` ≥ 0,
 * Algorithm 1's valid value) the validator whose header and cut it carries, who proposed it in
 * an earlier round and must be a validator of this height.
 */
function builderOf(proposal: Proposal, validators: readonly { readonly address: string }[]): string | null {
  if (proposal.validRound < 0) return proposal.proposer;
  const header = (proposal.block as { header?: { proposer?: unknown } }).header;
  const builder = typeof header?.proposer === 'string' ? header.proposer : null;
  return builder !== null && validators.some((v) => v.address === builder) ? builder : null;
}

/**
 * Whether this node may prevote the block of `proposal` (null), or why not. `held`: the records a
 * compact proposal was filled with from the mempool, by their text (not checked again); without
 * it, records the mempool holds are found by their tx hash (`verifiedInMempool`).
 */
export function checkBlock(
  proposal: Proposal,
  c: ChainAt & { readonly nowMs: number; readonly mempool?: ProposalSource; readonly held?: ReadonlyMap<string, HeldTx> },
): Refusal | null {
  if (proposal.height !== c.chain.ledger.height + 1)
    return { code: 'BAD_PROPOSAL', message: `Block ${proposal.height} is not this node's next (${c.chain.ledger.height + 1}).` };
  const builder = builderOf(proposal, validatorSetAt(c.chain.ledger.tree, proposal.height).validators);
  if (builder === null)
    return { code: 'BAD_PROPOSAL', message: `The block proposed again in round ${proposal.round} was made by no validator of height ${proposal.height}.` };
  const found = contextOf(c, proposal.height, builder, c.nowMs);
  if ('code' in found) return found;
  // A live proposal's commit must be one the ledger takes (not a decided block's: that is history).
  const context = { ...found, proposerNonce: readNonce(c.chain.ledger.tree, builder).nonce };
  const verified =
    c.held !== undefined && c.held.size > 0 ? verifiedHeld(c.held) : c.mempool === undefined ? undefined : verifiedInMempool(proposal.block, c.mempool);
  return checkProposalBlock(proposal.block, verified === undefined ? context : { ...context, verified });
}

/**
 * The records of a proposed block this node's mempool holds: it checked them (signature
 * included) when they came in, so the proposal's check does not verify them again. A record is
 * found by the hash of its signed bytes (the record with its `sig` cut out) and taken only if it
 * is byte for byte the one held: no schema parse, no canonicalisation, a fraction of a
 * signature's cost. Anything else is left to the check.
 */
function verifiedInMempool(block: ProposalBlock, mempool: ProposalSource): Map<string, VerifiedTx> | undefined {
  const records = (block as Partial<ProposedBlock>).records;
  if (!Array.isArray(records) || mempool.size === 0) return undefined;
  const verified = new Map<string, VerifiedTx>();
  for (const text of records) {
    if (typeof text !== 'string') continue;
    const record = Buffer.from(text);
    const signedBytes = signedBytesOfRecord(record);
    if (signedBytes === null) continue;
    const hash = sha256Hex(signedBytes);
    const held = mempool.recordOf(hash);
    if (held === undefined || !record.equals(held)) continue;
    // The held record passed the schema when it came in, and these are its bytes.
    verified.set(text, { tx: JSON.parse(text) as Tx, hash, signedBytes });
  }
  return verified;
}

/** A boundary check run elsewhere (the node's verify threads): a verdict per text, the tx's hash and canonical record, or a refusal. */
export type RecordVerifier = (
  texts: readonly string[],
) => Promise<readonly ({ readonly hash: string; readonly record: Uint8Array; readonly sender?: { readonly type: string } } | { readonly code: string })[]>;

/**
 * The records of `texts` that `verify` passes and whose text is their canonical record byte for
 * byte, as held txs: what `checkBlock` may then take as checked. The others are left out, for the
 * check to judge (and refuse) itself.
 */
export async function verifiedBy(verify: RecordVerifier, texts: readonly string[]): Promise<Map<string, HeldTx>> {
  const verdicts = await verify(texts);
  const held = new Map<string, HeldTx>();
  verdicts.forEach((verdict, i) => {
    if ('hash' in verdict && utf8.decode(verdict.record) === texts[i])
      held.set(texts[i]!, { hash: verdict.hash, record: verdict.record, type: verdict.sender?.type });
  });
  return held;
}

/**
 * Records a compact proposal was filled with from the mempool, as checked: their bytes are the
 * records held, by construction. Each is parsed (and its signed bytes cut out) only if the check
 * asks: with its op type known, an ordinary tx in the middle of a block is never parsed here.
 */
function verifiedHeld(held: ReadonlyMap<string, HeldTx>): Map<string, VerifiedTx> {
  const verified = new Map<string, VerifiedTx>();
  for (const [text, { hash, record, type, ref }] of held) verified.set(text, new HeldVerifiedTx(text, hash, record, type, ref));
  return verified;
}

/** A held record as a verified tx, parsed when first asked. The held record passed the schema when it came in. */
class HeldVerifiedTx implements VerifiedTx {
  #tx: Tx | undefined;
  #signedBytes: Buffer | undefined;
  constructor(
    private readonly text: string,
    readonly hash: string,
    private readonly record: Uint8Array,
    readonly type: string | undefined,
    readonly ref: string | undefined,
  ) {}
  get tx(): Tx {
    return (this.#tx ??= JSON.parse(this.text) as Tx);
  }
  get signedBytes(): Buffer {
    // A held record is canonical, so its signature cuts out (null only for bytes no tx has).
    return (this.#signedBytes ??= signedBytesOfRecord(Buffer.from(this.record.buffer, this.record.byteOffset, this.record.byteLength)) ?? Buffer.alloc(0));
  }
}

/** The log records of a decided block (its records' texts, filled), byte for byte as every node appends them. */
export function decidedRecords(records: readonly string[]): Uint8Array[] {
  return records.map((text) => encoder.encode(text));
}

/**
 * The log records of a decided block, their tx hashes and refs (the SHA-256 of each record): a
 * record `held` has (a mempool's tx, whose bytes are its text's and whose hash and ref its check
 * and the mempool gave) is taken as it is, the others are encoded and hashed (decidedHashOf).
 */
export function decidedRecordsOf(
  texts: readonly string[],
  held?: ReadonlyMap<string, KnownRecord>,
): { records: Uint8Array[]; hashes: string[]; refs: string[] } {
  const records: Uint8Array[] = [];
  const hashes: string[] = [];
  const refs: string[] = [];
  for (const text of texts) {
    const known = held?.get(text);
    const record = known?.record ?? encoder.encode(text);
    records.push(record);
    hashes.push(known?.hash ?? decidedHashOf(record));
    refs.push(known?.ref ?? sha256Hex(record));
  }
  return { records, hashes, refs };
}

/** The certificate a block's first record (its `commit` tx) carries, if it is one. */
export function certificateOfNext(records: readonly string[]): Certificate | undefined {
  try {
    // A peer's record, not checked yet: its depth is bounded before it is parsed.
    const tx = peerJsonText(records[0] ?? 'null', 'commit record') as { op?: { type?: string; certificate?: unknown } } | null;
    if (tx?.op?.type !== 'commit') return undefined;
    const parsed = safeParse(Certificate, tx.op.certificate);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The hash of a record of a decided block. Every record of a block that passed the proposal
 * check is a tx's canonical JSON (the check refuses any other), so its hash is that of the
 * record with its `sig` cut out: no parse, schema or canonicalisation, which decodeTxRecord (the
 * fallback, for a record this cut does not fit) would spend on every record again. A record a
 * peer sent that is not canonical hashes to something no tx does here, so the block's
 * certificate does not hold for it.
 */
export function decidedHashOf(record: Uint8Array): string {
  const signed = signedBytesOfRecord(Buffer.from(record.buffer, record.byteOffset, record.byteLength));
  return signed === null ? decodeTxRecord(0, record).hash : sha256Hex(signed);
}

/** A decided block a peer sent: its records (commit tx first, cut last) and its certificate. */
export interface DecidedBlockInput {
  readonly height: number;
  readonly records: readonly string[];
  readonly certificate: Certificate;
}

/** A decided block whose certificate holds for the proposal its records rebuild: what is left is to judge the records. */
export interface CertifiedBlock {
  readonly block: DecidedBlockInput;
  readonly proposal: { readonly hash: string; readonly header: ProposedBlock['header'] };
  readonly proposer: string;
  readonly time: number;
}

/**
 * The first half of `checkDecided`, which costs no record's signature: the proposal the records
 * rebuild with this node's chain (the cut gives time and proposer) and the certificate, which must
 * carry more than 2/3 of the power of the set this node's ledger keeps for that height. A peer's
 * bogus block is refused here, before its records are verified.
 */
export function certifiedDecided(decided: DecidedBlockInput, c: ChainAt): CertifiedBlock | Refusal {
  const { chain, genesis } = c;
  const { height, records, certificate } = decided;
  let cut: { from?: string; time?: number; op?: { type?: string } } | null;
  try {
    cut = peerJsonText(records.at(-1) ?? 'null', 'cut record') as typeof cut;
  } catch {
    cut = null;
  }
  const proposer = cut?.from;
  const time = cut?.time;
  // Only what a cut can hold (an address, a whole time in ms): the header below always hashes.
  if (
    cut?.op?.type !== 'cut' ||
    typeof proposer !== 'string' ||
    !Address.safeParse(proposer).success ||
    typeof time !== 'number' ||
    !Number.isSafeInteger(time)
  ) {
    return { code: 'BAD_PROPOSAL', message: `Block ${height} does not end with a cut marker (by an address, at a whole time).` };
  }
  const hashes = records.map((text) => decidedHashOf(encoder.encode(text)));
  const header = {
    chain: genesis.chain,
    shard: genesis.shard,
    height,
    prevHash: chain.position.prevHash,
    txRoot: merkleRoot(hashes),
    recordsRoot: recordsRootOf(records),
    time,
    proposer,
    lastRoot: chain.ledger.tree.root(),
  };
  const hash = proposalHashOf(header);
  const set = validatorSetAt(chain.ledger.tree, height);
  const problem = certificateProblem(certificate, {
    chain: genesis.chain,
    shard: genesis.shard,
    genesis: chain.ledger.genesisHash,
    height,
    hash,
    powers: new Map(set.validators.map((v) => [v.address, BigInt(v.power)])),
  });
  if (problem !== null) return { code: 'BAD_COMMIT', message: `The certificate of block ${height} does not hold: ${problem}.` };
  return { block: decided, proposal: { hash, header }, proposer: header.proposer, time };
}

/**
 * The second half: a certified block's records judged as a proposal's would be (without the clock
 * bound: it is history). `held`: records this node checked already (its mempool's, or its verify
 * threads' verdicts), by their text, not checked again.
 */
export function checkCertified(certified: CertifiedBlock, c: ChainAt & { readonly held?: ReadonlyMap<string, HeldTx> }): Refusal | null {
  const { block, proposal, proposer, time } = certified;
  // The commit's certificate is read only when this node holds none of its own (its log cut back).
  const context = contextOf(c, block.height, proposer, time, c.commits.get(block.height - 1) === undefined ? certificateOfNext(block.records) : undefined);
  if ('code' in context) return context;
  const candidate = { ...proposal, records: block.records };
  return checkProposalBlock(candidate, c.held !== undefined && c.held.size > 0 ? { ...context, verified: verifiedHeld(c.held) } : context);
}

/**
 * Whether a decided block a peer sent (its records and certificate) is the chain's next: its
 * certificate holds for the proposal its records rebuild (`certifiedDecided`), and its records are
 * judged as that proposal's would be (`checkCertified`).
 */
export function checkDecided(decided: DecidedBlockInput, c: ChainAt & { readonly held?: ReadonlyMap<string, HeldTx> }): Refusal | null {
  const certified = certifiedDecided(decided, c);
  return 'code' in certified ? certified : checkCertified(certified, c);
}
