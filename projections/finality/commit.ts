import { checkConsensusSignature, checkTx } from '../../log/index.ts';
import { isAinError, signedAttestOf, type AttestCertificate, type Certificate, type Finalized, type OpOf } from '../../schemas/index.ts';
import { readValidatorSet, type ValidatorSet } from '../accounts/index.ts';
import { ok, refuse, type Outcome, type StateTree } from '../state/index.ts';
import { readBlockRecord, readFinalized, writeFinalized } from './finality.ts';

/** What a certificate must prove: that this set precommitted this hash for this block. */
export interface CertificateScope {
  readonly chain: string;
  readonly shard: string;
  /** The genesis hash of that chain, which its votes sign (consensusSignedBytesOf). */
  readonly genesis: string;
  readonly height: number;
  /** The proposal hash decided at `height`. */
  readonly hash: string;
  /** The voting power of each validator of the set that voted on `height`. */
  readonly powers: ReadonlyMap<string, bigint>;
}

const short = (hash: string) => `${hash.slice(0, 16)}…`;

/**
 * Why a (schema-valid) certificate does not prove that block `height` was decided, or null when
 * it does: its height and hash are the scope's, each precommit is for this chain and shard by a
 * member of the set with a valid signature, and together they carry more than 2/3 of the set's
 * power. The cheap checks come before the signatures. Pure: signatures verify the same everywhere.
 * @example const problem = certificateProblem(op.certificate, { chain, shard, height: 4, hash, powers })
 */
export function certificateProblem(certificate: Certificate, scope: CertificateScope): string | null {
  if (certificate.height !== scope.height) return `the certificate is for block ${certificate.height}, not block ${scope.height}`;
  if (certificate.hash !== scope.hash) {
    return `the certificate names ${short(certificate.hash)}, but block ${scope.height}'s proposal hash is ${short(scope.hash)}`;
  }
  let total = 0n;
  for (const power of scope.powers.values()) total += power;
  let signed = 0n;
  for (const vote of certificate.votes) {
    if (vote.chain !== scope.chain || vote.shard !== scope.shard) return `the precommit of ${vote.from} is for chain ${vote.chain} shard ${vote.shard}`;
    const power = scope.powers.get(vote.from);
    if (power === undefined) return `${vote.from} is not in the validator set of block ${scope.height}`;
    signed += power;
  }
  if (3n * signed <= 2n * total) return `its precommits carry ${signed} of ${total} voting power, not more than 2/3`;
  const forged = certificate.votes.find((vote) => !checkConsensusSignature(vote, scope.genesis));
  if (forged !== undefined) return `the precommit of ${forged.from} is not signed by its key`;
  return null;
}

/**
 * Why (schema-valid) attestations do not prove child block `height` of a chain on Kafka, or null
 * when they do: each is an `attest` of this height and block hash (`scope.hash`, the sealed
 * header's), signed for the scope's chain, shard and genesis (put back into each: see
 * ReportedAttest) by a member of the set that may attest it,
 * together more than 2/3 of its power. The cheap checks come before the signatures. Pure.
 * @example const problem = attestationsProblem(certificate, { chain, shard, height: 4, hash: blockHash, powers })
 */
export function attestationsProblem(certificate: AttestCertificate, scope: CertificateScope): string | null {
  let total = 0n;
  for (const power of scope.powers.values()) total += power;
  let signed = 0n;
  for (const attest of certificate.attestations) {
    if (attest.op.height !== scope.height) return `the attestation of ${attest.from} is for block ${attest.op.height}, not block ${scope.height}`;
    if (attest.op.hash !== scope.hash)
      return `the attestation of ${attest.from} names ${short(attest.op.hash)}, but block ${scope.height}'s hash is ${short(scope.hash)}`;
    if (attest.chain !== scope.chain || attest.shard !== scope.shard)
      return `the attestation of ${attest.from} is for chain ${attest.chain} shard ${attest.shard}`;
    const power = scope.powers.get(attest.from);
    if (power === undefined) return `${attest.from} is not in the validator set that attests block ${scope.height}`;
    signed += power;
  }
  if (3n * signed <= 2n * total) return `its attestations carry ${signed} of ${total} voting power, not more than 2/3`;
  for (const attest of certificate.attestations) {
    try {
      checkTx(signedAttestOf(attest, scope.genesis), { chain: scope.chain, shard: scope.shard });
    } catch (error) {
      if (!isAinError(error)) throw error;
      return `the attestation of ${attest.from} does not verify: ${error.message}`;
    }
  }
  return null;
}

/** The block a `commit` is applied in. */
export interface CommitContext {
  readonly chain: string;
  readonly shard: string;
  /** The chain's genesis hash, which its votes sign. */
  readonly genesis: string;
  readonly height: number;
  /** Whose cut closes the block: the only one who may put a certificate in it. */
  readonly proposer: string;
  /** The genesis validator set, the one that voted on block 1 (asked for only then). */
  readonly genesisSet: () => ValidatorSet;
}

/** What a certificate that held proved: who precommitted block `height` in `round`, with what power. */
export interface CertifiedCommit {
  readonly height: number;
  readonly round: number;
  /** The proposal hash precommitted. */
  readonly hash: string;
  /** The signers in address order, each with its voting power in the set that voted on `height`. */
  readonly signers: readonly { readonly address: string; readonly power: bigint }[];
  /** The signers' power together, and the whole set's. */
  readonly power: bigint;
  readonly total: bigint;
}

/** What a `commit` came to, and the finality it gave. */
export interface CommitResult {
  readonly outcome: Outcome;
  readonly finalized?: Finalized;
  readonly certified?: CertifiedCommit;
}

/**
 * The validator set that voted on block `height`: the one after block `height − 1` (frozen in its
 * record when block `height` began), the genesis set for block 1. Null once pruned, and for a
 * height whose block has not begun.
 * @example const set = votingSetOf(tree, 7, () => genesisSet)
 */
export function votingSetOf(tree: StateTree, height: number, genesisSet: () => ValidatorSet): ValidatorSet | null {
  if (height === 1) return genesisSet();
  const before = readBlockRecord(tree, height - 1);
  return before === null ? null : readValidatorSet(tree, before.set);
}

/**
 * `commit`: the certificate of the previous block, which the block's proposer puts first in its
 * block (CometBFT's LastCommit). Checked again here, against the proposal hash the ledger noted
 * when it applied that block and the set that voted on it, so a replay or an audit of the log
 * reaches the same verdict; a valid one makes the previous block final.
 */
export function applyCommit(tree: StateTree, from: string, op: OpOf<'commit'>, ctx: CommitContext): CommitResult {
  const { certificate } = op;
  const height = ctx.height - 1;
  if (from !== ctx.proposer) {
    return {
      outcome: refuse(
        'NOT_BLOCK_PROPOSER',
        `${from} did not propose block ${ctx.height} (${ctx.proposer} did); only its proposer commits block ${height} in it.`,
      ),
    };
  }
  const bad = (why: string): CommitResult => ({
    outcome: refuse('BAD_COMMIT', `The commit in block ${ctx.height} does not prove block ${height} decided: ${why}.`),
  });
  if (height < 1) return bad('block 1 has no block before it to commit');
  if (height <= readFinalized(tree).height) return bad(`block ${height} is final already`);
  const record = readBlockRecord(tree, height);
  const set = votingSetOf(tree, height, ctx.genesisSet);
  if (record?.value === undefined || set === null) return bad(`the ledger holds no proposal hash or validator set of block ${height}`);
  const problem = certificateProblem(certificate, {
    chain: ctx.chain,
    shard: ctx.shard,
    genesis: ctx.genesis,
    height,
    hash: record.value,
    powers: set.stakes,
  });
  if (problem !== null) return bad(problem);
  const finalized = { height, hash: record.hash };
  writeFinalized(tree, finalized);
  const signers = certificate.votes.map((vote) => ({ address: vote.from, power: set.stakes.get(vote.from)! }));
  const power = signers.reduce((sum, signer) => sum + signer.power, 0n);
  return { outcome: ok, finalized, certified: { height, round: certificate.round, hash: certificate.hash, signers, power, total: set.total } };
}
