// A child chain for shard tests: the genesis a branch tx derives, blocks cut by createChain (the
// pipeline a child node will drive) and certificates signed by its validators' keys with the
// consensus's own signVote, as a child's commit would carry them.
import { createChain, genesisHashOf, shardGenesisOf, type Chain } from '../../../actors/index.ts';
import { decodeTxRecord, encodeTxRecord, checkRecord, signTx, signVote, type KeyPair } from '../../../log/index.ts';
import {
  reportedAttestOf,
  type AttestCertificate,
  type Certificate,
  type Op,
  type ReportedBlock,
  type RulesProof,
  type ShardHeader,
  type ShardRules,
  type SignedAttest,
  type Tx,
} from '../../../schemas/index.ts';
import { blockHashOfShardHeader } from '../../../actors/index.ts';

/** A reported block of this child: its certificate is the precommits of a peer-to-peer child. */
export type CertifiedBlock = ReportedBlock & { readonly certificate: Certificate };
import { TestChain } from '../ledger/chain.ts';

export class ChildChain {
  readonly chain: Chain;
  readonly blocks: CertifiedBlock[] = [];
  /** Each block's proposal hash as the child's own ledger computed it. */
  readonly proposals: string[] = [];
  /** The codes of the last block's txs. */
  codes: string[] = [];
  /** Who signs the certificates of the next blocks (the validators at first). */
  signers: readonly KeyPair[];
  /** The rules record a block wrote with its proof, by height: the next block carries it, as a reporter does. */
  readonly #rulesProofs = new Map<number, RulesProof>();
  time: number;
  #offset = 0;
  readonly #nonces = new Map<string, number>();

  constructor(
    branch: Tx,
    readonly validators: readonly KeyPair[],
  ) {
    this.chain = createChain({ genesis: shardGenesisOf(branch) });
    this.time = branch.time;
    this.signers = validators;
  }

  get genesisHash(): string {
    return genesisHashOf(this.chain.genesis);
  }

  /** A tx on the child chain, with the next nonce of its key. */
  tx(from: KeyPair, op: Op): Tx {
    const nonce = (this.#nonces.get(from.address) ?? 0) + 1;
    this.#nonces.set(from.address, nonce);
    const { chain, shard } = this.chain.genesis;
    return signTx({ key: from, op, nonce, time: this.time, chain, shard });
  }

  /** Cuts the next child block of `txs` (1 s of block time later) and certifies it by all its validators. */
  next(txs: readonly Tx[] = [], time = this.time + 1000): CertifiedBlock {
    this.time = time;
    const lastRoot = this.chain.ledger.tree.root();
    const records = txs.map((tx) => {
      const record = decodeTxRecord(this.#offset++, encodeTxRecord(tx));
      return { record, verdict: checkRecord(record, this.chain.genesis) };
    });
    const { block, result } = this.chain.close(records, { time });
    const header: ShardHeader = { ...block.header, lastRoot };
    this.proposals.push(result.consensus.proposalHash);
    this.codes = result.outcomes.map((o) => o.code);
    if (result.rulesProof !== undefined) this.#rulesProofs.set(header.height, result.rulesProof);
    const rules = this.#rulesProofs.get(header.height - 1);
    const reported = {
      header,
      certificate: this.certify(header.height, result.consensus.proposalHash, this.signers),
      ...(rules === undefined ? {} : { rules }),
    };
    this.blocks.push(reported);
    return reported;
  }

  /**
   * The block as a child on Kafka reports it: the attestations of its sealed header's hash by
   * `signers` (all validators by default), each an `attest` tx of the child, in address order.
   */
  attested(block: ReportedBlock, signers: readonly KeyPair[] = this.validators): ReportedBlock & { readonly certificate: AttestCertificate } {
    const { chain, shard } = this.chain.genesis;
    const { height } = block.header;
    const hash = blockHashOfShardHeader(block.header);
    const attestations = [...signers]
      .sort((a, b) => (a.address < b.address ? -1 : 1))
      .map((key) =>
        reportedAttestOf(
          signTx({
            key,
            op: { type: 'attest', height, hash, genesis: this.chain.ledger.genesisHash },
            nonce: height,
            time: this.time,
            chain,
            shard,
          }) as SignedAttest,
        ),
      );
    return { ...block, certificate: { attestations } };
  }

  /** A certificate of precommits for `hash` at `height`, by `signers` (all validators by default), in address order. */
  certify(height: number, hash: string, signers: readonly KeyPair[] = this.validators, round = 0): Certificate {
    const { chain, shard } = this.chain.genesis;
    const votes = [...signers]
      .sort((a, b) => (a.address < b.address ? -1 : 1))
      .map((key) => signVote(key, { chain, shard, height, round, kind: 'precommit', hash }, this.chain.ledger.genesisHash));
    return { height, round, hash, votes };
  }
}

/** A `report` op of consecutive child blocks: the first, then `next`. */
export const reportOpOf = (shard: string, first: ReportedBlock, ...next: ReportedBlock[]): Op => ({
  type: 'report',
  shard,
  header: first.header,
  certificate: first.certificate,
  ...(first.rules === undefined ? {} : { rules: first.rules }),
  ...(next.length === 0 ? {} : { next }),
});

/**
 * A parent chain (`ain-test`, `owner` funded and its only proposer) with `path` branched to
 * `validators` (10 of stake each) in its block 1, and the child chain that branch derives.
 */
export function branchedParent(
  owner: KeyPair,
  validators: readonly KeyPair[],
  rules: ShardRules,
  path = '/apps/x',
): { parent: TestChain; branch: Tx; child: ChildChain } {
  const parent = new TestChain({
    chain: 'ain-test',
    owner: owner.address,
    accounts: { [owner.address]: { balance: '1', stake: '1' } },
    proposers: [owner.address],
    block: {},
  });
  const branch = parent.tx(owner, { type: 'branch', path, validators: validators.map((v) => ({ address: v.address, stake: '10' })), rules });
  parent.block([branch]);
  return { parent, branch, child: new ChildChain(branch, validators) };
}
