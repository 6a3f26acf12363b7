// Proposed blocks for tests: four validators of a network genesis, blocks built by one of them,
// certificates signed by any of them, and the records fed to a chain as a node's log feeds it.
import {
  buildProposalBlock,
  createChain,
  genesisHashOf,
  networkGenesis,
  validatorSetOf,
  type BuildProposalBlockParameters,
  type Chain,
  type ChainStep,
  type ProposalContext,
} from '../../../actors/index.ts';
import { checkRecord, decodeTxRecord, signTx, signVote, type KeyPair } from '../../../log/index.ts';
import type { Certificate, ProposedBlock, ValidatorSet } from '../../../schemas/index.ts';
import { key } from '../ledger/chain.ts';

export const validators: readonly KeyPair[] = [key(81), key(82), key(83), key(84)].sort((a, b) => (a.address < b.address ? -1 : 1));
export const owner = key(80);
export const genesis = networkGenesis(
  validators.map((v) => v.address),
  { chain: 'ain-test', owner: owner.address, maxTxs: 50, maxBytes: 64 * 1024 },
);
export const { chain: chainId, shard } = genesis;
/** What this chain's votes sign besides themselves. */
export const genesisHash = genesisHashOf(genesis);
export const validatorSet: ValidatorSet = validatorSetOf(validators.map((v) => ({ address: v.address, power: '1000000' })));

/** The precommits of `signers` for `hash` at `height`: a certificate, valid when they are more than 2/3. */
export function certificateOf(height: number, hash: string, signers: readonly KeyPair[] = validators, round = 0): Certificate {
  const votes = signers
    .map((k) => signVote(k, { chain: chainId, shard, height, round, kind: 'precommit', hash }, genesisHash))
    .sort((a, b) => (a.from < b.from ? -1 : 1));
  return { height, round, hash, votes };
}

/** `count` signed sends from the owner, as mempool texts, nonces from `firstNonce`. */
export function mempoolTexts(count: number, firstNonce = 1): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify(
      signTx({ key: owner, op: { type: 'send', to: validators[0]!.address, amount: '1' }, nonce: firstNonce + i, time: 1, chain: chainId, shard }),
    ),
  );
}

/** What a validator of `chain` knows to judge the next block by `proposer`. */
export function contextOf(chain: Chain, proposer: KeyPair, previous: ProposalContext['previous'], nowMs = 10_000): ProposalContext {
  const { height, prevHash, prevTime } = chain.position;
  return {
    chain: chainId,
    shard,
    genesis: genesisHash,
    height,
    prevHash,
    prevTime,
    lastRoot: chain.ledger.tree.root(),
    proposer: proposer.address,
    nowMs,
    clockDriftMs: 500,
    maxTxs: genesis.block.maxTxs,
    maxBytes: genesis.block.maxBytes,
    previous,
  };
}

/** Appends a block's records to a chain as log records (offsets after the last), checked as a node checks them. */
export function appendBlock(chain: Chain, block: ProposedBlock): ChainStep[] {
  let offset = chain.position.lastOffset + 1 + chain.pendingCount;
  return block.records.flatMap((text) => {
    const record = decodeTxRecord(offset++, Buffer.from(text, 'utf8'));
    return chain.push({ record, verdict: checkRecord(record, genesis) }) ?? [];
  });
}

export const newChain = (): Chain => createChain({ genesis });

/** The block `proposer` builds on `chain` now: 3 mempool sends, its next nonce, a time after the last block's; `overrides` change any parameter. */
export function buildOn(chain: Chain, proposer: KeyPair, overrides: Partial<BuildProposalBlockParameters> = {}): ProposedBlock {
  const { height, prevHash, prevTime } = chain.position;
  const nonce = ((chain.ledger.tree.get(`/accounts/${proposer.address}/nonce`) as number | null) ?? 0) + 1;
  return buildProposalBlock({
    key: proposer,
    chain: chainId,
    shard,
    position: { height, prevHash, prevTime },
    lastRoot: chain.ledger.tree.root(),
    certificate: null,
    txs: mempoolTexts(3, 1 + 10 * height),
    nonce,
    timeMs: 1000 * (height + 1),
    maxTxs: genesis.block.maxTxs,
    maxBytes: genesis.block.maxBytes,
    ...overrides,
  });
}
