// A test chain: hand-made blocks (these records, this block time) through createChain, the
// pipeline a node's follower and an audit drive.
import { checkRecord, decodeTxRecord, encodeTxRecord, keyPairFromSeed, signTx, type KeyPair } from '../../../log/index.ts';
import { createChain, parseGenesis, type BlockResult, type Chain, type ChainSnapshotInput, type Ledger } from '../../../actors/index.ts';
import type { ReadModelChange } from '../../../projections/index.ts';
import type { BlockHeader, GenesisInput, Op, Tx } from '../../../schemas/index.ts';

export const key = (n: number): KeyPair => keyPairFromSeed(Buffer.alloc(32, n).toString('hex'));

/**
 * Four validators of stakes 40, 30, 20 and 10 (keys from `seeds`), the first the owner and
 * proposer, in a genesis: a block is final once attestations of more than 66 of the 100 count it.
 */
export function stakedGenesis(seeds: readonly [number, number, number, number]): { validators: KeyPair[]; genesis: GenesisInput } {
  const validators = seeds.map(key);
  const stakes = ['40', '30', '20', '10'];
  return {
    validators,
    genesis: {
      chain: 'ain-test',
      owner: validators[0]!.address,
      accounts: Object.fromEntries(validators.map((v, i) => [v.address, { balance: '10', stake: stakes[i]! }])),
      proposers: [validators[0]!.address],
      block: {},
    },
  };
}

export interface AppliedBlock extends BlockResult {
  readonly header: BlockHeader;
  readonly hash: string;
  readonly readModels: ReadModelChange | null;
}

export class TestChain {
  readonly chain: Chain;
  readonly blocks: AppliedBlock[] = [];
  #offset: number;
  time: number;
  readonly #nonces = new Map<string, number>();

  /** From genesis, or from a snapshot of a chain of this genesis (`other.chain.snapshot()`). */
  constructor(genesis: GenesisInput, snapshot?: ChainSnapshotInput) {
    this.chain = createChain({ genesis: parseGenesis(genesis), ...(snapshot === undefined ? {} : { snapshot }) });
    this.#offset = this.chain.position.lastOffset + 1;
    this.time = (genesis.time ?? 0) + 1000;
  }

  get ledger(): Ledger {
    return this.chain.ledger;
  }

  /** A signed tx with the next nonce of its key (or the one given). */
  tx(from: KeyPair, op: Op, nonce?: number): Tx {
    const next = nonce ?? (this.#nonces.get(from.address) ?? 0) + 1;
    this.#nonces.set(from.address, Math.max(next, this.#nonces.get(from.address) ?? 0));
    return signTx({ key: from, op, nonce: next, time: this.time, chain: this.ledger.genesis.chain, shard: this.ledger.genesis.shard });
  }

  /**
   * Folds a block of txs (or raw record bytes) with block time `time` (default: 1 s later); later
   * blocks go on from it. Each record is checked at the boundary first, as a node checks it.
   */
  block(items: readonly (Tx | Uint8Array)[], time = this.time + 1000): AppliedBlock {
    this.time = time;
    const records = items.map((item) => {
      const record = decodeTxRecord(this.#offset++, item instanceof Uint8Array ? item : encodeTxRecord(item));
      return { record, verdict: checkRecord(record, this.ledger.genesis) };
    });
    const { block, hash, result, readModels } = this.chain.close(records, { time });
    const applied = { ...result, header: block.header, hash, readModels };
    this.blocks.push(applied);
    return applied;
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
