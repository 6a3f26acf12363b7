// A test chain: folds hand-made blocks through the real ledger, as a node's cutter would.
import { blockHashOf, decodeTxRecord, encodeTxRecord, keyPairFromSeed, merkleRoot, signTx, type KeyPair, type TxRecord } from '../../../events/index.ts';
import { applyBlock, createLedger, parseGenesis, type BlockResult, type Ledger } from '../../../actors/index.ts';
import type { BlockHeader, GenesisInput, Op, Tx } from '../../../schemas/index.ts';

export const key = (n: number): KeyPair => keyPairFromSeed(Buffer.alloc(32, n).toString('hex'));

export interface AppliedBlock extends BlockResult {
  readonly header: BlockHeader;
  readonly hash: string;
}

export class TestChain {
  readonly ledger: Ledger;
  readonly blocks: AppliedBlock[] = [];
  #offset = 0;
  #prevHash: string;
  time: number;
  readonly #nonces = new Map<string, number>();

  constructor(genesis: GenesisInput, ledger?: Ledger, resume?: { readonly prevHash: string; readonly offset: number }) {
    this.ledger = ledger ?? createLedger(parseGenesis(genesis));
    this.#prevHash = resume?.prevHash ?? this.ledger.genesisHash;
    this.#offset = resume?.offset ?? 0;
    this.time = (genesis.time ?? 0) + 1000;
  }

  /** A signed tx with the next nonce of its key (or the one given). */
  tx(from: KeyPair, op: Op, nonce?: number): Tx {
    const next = nonce ?? (this.#nonces.get(from.address) ?? 0) + 1;
    this.#nonces.set(from.address, Math.max(next, this.#nonces.get(from.address) ?? 0));
    return signTx({ key: from, op, nonce: next, time: this.time, chain: this.ledger.genesis.chain, shard: this.ledger.genesis.shard });
  }

  /** Folds a block of txs (or raw record bytes) with block time `time` (default: 1 s later); later blocks go on from it. */
  block(items: readonly (Tx | Uint8Array)[], time = this.time + 1000): AppliedBlock {
    this.time = time;
    const txs: TxRecord[] = items.map((item) => decodeTxRecord(this.#offset++, item instanceof Uint8Array ? item : encodeTxRecord(item)));
    const partial = {
      chain: this.ledger.genesis.chain,
      shard: this.ledger.genesis.shard,
      height: this.ledger.height + 1,
      prevHash: this.#prevHash,
      txRoot: merkleRoot(txs.map((t) => t.hash)),
      time,
      proposer: this.ledger.genesis.proposers[0]!,
      firstOffset: txs[0]?.offset ?? this.#offset,
      lastOffset: txs.at(-1)?.offset ?? this.#offset,
    };
    const result = applyBlock(this.ledger, { header: partial, txs });
    const header = { ...partial, stateRoot: result.stateRoot, outcomeRoot: result.outcomeRoot };
    const hash = blockHashOf(header);
    this.#prevHash = hash;
    const applied = { ...result, header, hash };
    this.blocks.push(applied);
    return applied;
  }

  /** Where a chain resuming from this one's ledger snapshot must start. */
  get resume(): { prevHash: string; offset: number } {
    return { prevHash: this.#prevHash, offset: this.#offset };
  }

  codes(block: AppliedBlock): string[] {
    return block.outcomes.map((o) => o.code);
  }

  balance(address: string): bigint {
    return BigInt((this.ledger.tree.get(`/accounts/${address}/balance`) as string | null) ?? '0');
  }

  stake(address: string): bigint {
    return BigInt((this.ledger.tree.get(`/accounts/${address}/stake`) as string | null) ?? '0');
  }

  /** Sum of every account's balance, stake and unbonding, and what job requests hold in escrow. */
  total(): bigint {
    const accounts = (this.ledger.tree.get('/accounts') ?? {}) as Record<string, { balance?: string; stake?: string; unbonding?: string }>;
    let sum = 0n;
    for (const a of Object.values(accounts)) sum += BigInt(a.balance ?? '0') + BigInt(a.stake ?? '0') + BigInt(a.unbonding ?? '0');
    return sum + BigInt((this.ledger.tree.get('/consensus/escrow') as string | null) ?? '0');
  }

  supply(): bigint {
    return BigInt(this.ledger.tree.get('/consensus/supply') as string);
  }
}
