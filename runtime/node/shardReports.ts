import { genesisRootOf } from '../../actors/index.ts';
import { attestWindowBlocks } from '../../projections/index.ts';
import { signedBytesOf, type KeyPair } from '../../log/index.ts';
import {
  compareVoteHashes,
  Evidence,
  isAttestCertificate,
  reportedAttestOf,
  reportBlocksMax,
  safeParse,
  signedAttestOf,
  type AttestCertificate,
  type Certificate,
  type Genesis,
  type OpOf,
  type ReportedBlock,
  type ShardCertificate,
} from '../../schemas/index.ts';
import type { BlockStore } from './blockStore.ts';

export interface ReportSource {
  readonly genesis: Genesis;
  readonly blocks: Pick<BlockStore, 'get'>;
  /** What proves a block of this chain: the certificate that decided it (consensus `certificateOf`), or on Kafka its attestations. */
  readonly certificateOf: (height: number) => Promise<ShardCertificate | undefined>;
}

/**
 * This child chain's decided blocks `from`…`to` as a `report` carries them: each sealed header
 * with `lastRoot` (the state root before it, which its proposal named) and the certificate that
 * decided it. At most `reportBlocksMax`; it stops before the first block this node does not hold.
 * @example const blocks = await reportedBlocksOf(source, last + 1, chain.ledger.height)
 */
export async function reportedBlocksOf(source: ReportSource, from: number, to: number): Promise<ReportedBlock[]> {
  const blocks: ReportedBlock[] = [];
  let lastRoot = from === 1 ? genesisRootOf(source.genesis) : source.blocks.get(from - 1)?.header.stateRoot;
  for (let height = from; height <= Math.min(to, from + reportBlocksMax - 1) && lastRoot !== undefined; height++) {
    const view = source.blocks.get(height);
    const certificate = await source.certificateOf(height);
    if (view === undefined || certificate === undefined) break;
    // The block before changed the shard's rules: its record goes with this block, proved against its lastRoot.
    const rules = source.blocks.get(height - 1)?.rulesProof;
    blocks.push({ header: { ...view.header, lastRoot }, certificate, ...(rules === undefined ? {} : { rules }) });
    lastRoot = view.header.stateRoot;
  }
  return blocks;
}

/** The envelope a report is signed in: the parent's chain and shard, the reporter's key, nonce and time. */
export interface ReportEnvelope {
  readonly key: KeyPair;
  readonly chain: string;
  readonly shard: string;
  readonly nonce: number;
  readonly time: number;
}

const reportOf = (shard: string, [first, ...next]: readonly ReportedBlock[]): OpOf<'report'> => ({
  type: 'report',
  shard,
  header: first!.header,
  certificate: first!.certificate,
  ...(first!.rules === undefined ? {} : { rules: first!.rules }),
  ...(next.length === 0 ? {} : { next }),
});

/** The fewest of `signed` (each a validator's) that carry more than 2/3 of `powers`, in address order; null when all of them do not. */
function fewestOver<T extends { readonly from: string }>(signed: readonly T[], powers: ReadonlyMap<string, bigint>): T[] | null {
  let total = 0n;
  for (const power of powers.values()) total += power;
  const power = (from: string) => powers.get(from) ?? 0n;
  const byPower = [...signed].sort((a, b) => (power(b.from) > power(a.from) ? 1 : power(b.from) < power(a.from) ? -1 : a.from < b.from ? -1 : 1));
  const kept: T[] = [];
  let sum = 0n;
  for (const one of byPower) {
    if (sum * 3n > total * 2n) break;
    kept.push(one);
    sum += power(one.from);
  }
  return sum * 3n <= total * 2n ? null : kept.sort((a, b) => (a.from < b.from ? -1 : 1));
}

/**
 * The fewest precommits (or attestations) of `certificate` that carry more than 2/3 of `powers`
 * (the set that decided, or attests, its height), the largest first, in address order as a
 * certificate lists them; the certificate as it is when it does not reach that.
 * @example quorumOf(certificate, new Map([[a, 1n], [b, 1n], [c, 1n], [d, 1n]])).votes.length // 3
 */
export function quorumOf<C extends ShardCertificate>(certificate: C, powers: ReadonlyMap<string, bigint>): C {
  if (isAttestCertificate(certificate)) {
    const attestations = fewestOver(certificate.attestations, powers);
    return attestations === null ? certificate : { ...certificate, attestations };
  }
  const votes = fewestOver((certificate as Certificate).votes, powers);
  return votes === null ? certificate : { ...certificate, votes };
}

/**
 * The `report` of the longest run of `blocks` (from the first) whose signed tx stays within
 * `maxTxBytes`, the parent's limit, with how many blocks it carries; null when not even the
 * first block fits, not even with its certificate cut to a quorum of `powersAt` its height (the
 * parent's limit is too small for one header and its certificate).
 * @example const fit = fittingReport(envelope, '/apps/x', blocks, 4096)
 */
export function fittingReport(
  envelope: ReportEnvelope,
  shard: string,
  blocks: readonly ReportedBlock[],
  maxTxBytes: number,
  powersAt?: (height: number) => ReadonlyMap<string, bigint> | null,
): { readonly op: OpOf<'report'>; readonly count: number } | null {
  const { key, chain, nonce, time } = envelope;
  const sizeOf = (op: OpOf<'report'>) => signedBytesOf({ v: 1, chain, shard: envelope.shard, from: key.address, nonce, time, op, pub: key.publicKey }).length;
  const fits = (count: number) => sizeOf(reportOf(shard, blocks.slice(0, count))) <= maxTxBytes;
  if (blocks.length === 0) return null;
  if (!fits(1)) {
    // Alone and too large (many signers, or a rules change with it): its certificate cut to a quorum may fit.
    const [first] = blocks;
    const powers = powersAt?.(first!.header.height);
    if (powers === null || powers === undefined) return null;
    const op = reportOf(shard, [{ ...first!, certificate: quorumOf(first!.certificate, powers) }]);
    return sizeOf(op) <= maxTxBytes ? { op, count: 1 } : null;
  }
  // The size grows with every block: the longest run that fits, by bisection.
  let [low, high] = [1, blocks.length];
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return { op: reportOf(shard, blocks.slice(0, low)), count: low };
}

/**
 * The equivocations two certificates of one child height prove: each validator's two precommits
 * of one round for different hashes, as `evidence` (the smaller hash first). Two blocks certified
 * in different rounds prove nothing by themselves (a validator may precommit a later round's
 * block), so only same-round pairs count.
 * @example equivocationsOf(ownCertificate, fork.certificate) // [{ a, b }, …]
 */
export function equivocationsOf(own: Certificate, other: Certificate): Evidence[] {
  const found: Evidence[] = [];
  for (const a of own.votes) {
    const b = other.votes.find((v) => v.from === a.from && v.round === a.round && v.kind === a.kind && v.height === a.height && v.hash !== a.hash);
    if (b === undefined) continue;
    const [first, second] = compareVoteHashes(a.hash, b.hash) < 0 ? [a, b] : [b, a];
    const parsed = safeParse(Evidence, { a: first, b: second });
    if (parsed.success) found.push(parsed.data);
  }
  return found;
}

/**
 * The equivocations two attestation certificates of one child height on Kafka prove: each
 * validator's two attestations of that height for different block hashes, as `equivocation` ops
 * (the smaller hash first), which slash it on the child: the attest txs signed for the child of
 * genesis hash `genesis` (a report carries them without it).
 * @example attestEquivocationsOf(own, fork.certificate, genesisHash) // [{ type: 'equivocation', first, second }, …]
 */
export function attestEquivocationsOf(own: AttestCertificate, other: AttestCertificate, genesis: string): OpOf<'equivocation'>[] {
  const found: OpOf<'equivocation'>[] = [];
  for (const a of own.attestations) {
    const b = other.attestations.find((x) => x.from === a.from && x.op.height === a.op.height && x.op.hash !== a.op.hash);
    if (b === undefined) continue;
    const [first, second] = a.op.hash < b.op.hash ? [a, b] : [b, a];
    found.push({ type: 'equivocation', first: signedAttestOf(first, genesis), second: signedAttestOf(second, genesis) });
  }
  return found;
}

/**
 * On a chain that runs on Kafka, the attestations that made block `height` final, gathered from
 * the blocks after it that counted them (`BlockView.attestations`): one per validator, in address
 * order. Undefined while the block is not final on this node (its quorum not in yet) or held.
 * @example const certificate = attestationsOf(blocks, 7)
 */
export function attestationsOf(blocks: Pick<BlockStore, 'get' | 'latest'>, height: number): AttestCertificate | undefined {
  const view = blocks.get(height);
  const latest = blocks.latest();
  if (view === undefined || latest === undefined || latest.finalized.height < height) return undefined;
  const byFrom = new Map<string, AttestCertificate['attestations'][number]>();
  for (let after = height + 1; after <= Math.min(latest.header.height, height + attestWindowBlocks); after++) {
    for (const attest of blocks.get(after)?.attestations ?? []) {
      if (attest.op.height === height && attest.op.hash === view.hash && !byFrom.has(attest.from)) byFrom.set(attest.from, reportedAttestOf(attest));
    }
  }
  const attestations = [...byFrom.values()].sort((a, b) => (a.from < b.from ? -1 : 1));
  return attestations.length === 0 ? undefined : { attestations };
}
